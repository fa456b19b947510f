using Lifeboat.Server.Contracts.Sessions;
using Lifeboat.Server.Data;
using Lifeboat.Server.Sessions;
using Lifeboat.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Lifeboat.Server.Api;

/// <summary>
/// /api/disk-recoveries: instant disk recovery, one disk of a restore point hot-plugged into a running VM. The session
/// it starts is a session like any other: read, migrated and stopped (detached) under /api/sessions/{id}.
/// </summary>
public static class DiskRecoveryEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/disk-recoveries").WithTags("Sessions")
            .MapPost("/", Start).WithSummary("Publishes one disk of a restore point with a write cache and hot-plugs it into a running VM; it runs in the background.")
            .RequireAuthorization(LifeboatPolicies.Operator)
            .Audited("session.attach-disk", (context, answer) => Target(context.Arguments.OfType<DiskRecoveryRequest>().FirstOrDefault(), answer as SessionView));
    }

    private static Created<SessionView> Start(DiskRecoveryRequest request, SessionManager sessions, SessionStore store)
    {
        var session = sessions.StartDiskRecovery(request);
        return TypedResults.Created($"/api/sessions/{session.Id}", SessionViews.From(sessions.Get(session.Id)!, store.GetSteps(session.Id)));
    }

    private static string Target(DiskRecoveryRequest? request, SessionView? session) =>
        $"disk {request?.Disk} of {request?.Vm}{(request?.RestorePoint is { } point ? "@" + point : "")} to VM {request?.TargetVm}{(session is null ? "" : " as session " + session.Id)}";
}
