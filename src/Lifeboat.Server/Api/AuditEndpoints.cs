using System.Security.Claims;
using Lifeboat.Server.Contracts.Security;
using Lifeboat.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Lifeboat.Server.Api;

/// <summary>/api/audit: who changed what; /api/me: who is asking.</summary>
public static class AuditEndpoints
{
    private const int DefaultLimit = 100;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/api/audit", List).WithTags("Audit").RequireAuthorization(LifeboatPolicies.Viewer)
            .WithSummary("The audit log, newest first; ?limit= (default 100), ?before= (an entry id), ?who= and ?action= filter.");
        app.MapGet("/api/me", Me).WithTags("Audit").RequireAuthorization(LifeboatPolicies.Viewer)
            .WithSummary("The signed-in user or token: name, role, and whether it came by password or token.");
    }

    private static Ok<List<AuditEntry>> List(int? limit, long? before, string? who, string? action, AuditLog audit) =>
        limit is < 1 or > AuditLog.MaxLimit
            ? throw LifeboatException.Invalid("limit", $"limit must be between 1 and {AuditLog.MaxLimit}.")
            : TypedResults.Ok(audit.List(limit ?? DefaultLimit, before, who, action).ToList());

    private static Ok<WhoAmIView> Me(ClaimsPrincipal user) =>
        TypedResults.Ok(new WhoAmIView(LifeboatClaims.Who(user), LifeboatClaims.Role(user) ?? "", user.FindFirst(LifeboatClaims.Via)?.Value ?? ""));
}
