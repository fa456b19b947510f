using Lifeboat.Server.Contracts.Dashboard;
using Lifeboat.Server.Health;
using Lifeboat.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Lifeboat.Server.Api;

/// <summary>/api/dashboard: backup health at a glance, as the console's landing page and the CLI's status show it.</summary>
public static class DashboardEndpoints
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/api/dashboard", Read).WithTags("Dashboard")
            .WithSummary("Job results of the last 24 hours and 7 days, overdue VMs, repositories' space, what runs now and the newest failures.")
            .RequireAuthorization(LifeboatPolicies.Viewer);

    private static Ok<DashboardView> Read(Dashboard dashboard) => TypedResults.Ok(dashboard.Read());
}
