using Lifeboat.Server.Data;
using Lifeboat.Server.Hosting;
using Lifeboat.Server.Sessions;
using Lifeboat.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Lifeboat.Server.Api;

/// <summary>/api/verifications: boot restore points in isolation, check them, keep the outcome per restore point.</summary>
public static class VerificationEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/verifications").WithTags("Verifications");
        group.MapPost("/", Start).WithSummary("Starts a verification: an isolated instant recovery that boots, runs the checks and is torn down.")
            .RequireAuthorization(LifeboatPolicies.Operator)
            .Audited("verification.start", (context, answer) => $"{context.Arguments.OfType<VerificationRequest>().FirstOrDefault()?.Vm}{(answer is SessionView s ? " as session " + s.Id : "")}");
        group.MapGet("/", List).WithSummary("Verifications, newest first; ?vm= and ?restorePoint= filter.").RequireAuthorization(LifeboatPolicies.Viewer);
        group.MapGet("/{id}", Get).WithSummary("A verification with its outcome once it has ended.").RequireAuthorization(LifeboatPolicies.Viewer);
        group.MapGet("/{id}/screenshot", Screenshot).WithSummary("The guest's console as a PNG picture, taken before the teardown.").RequireAuthorization(LifeboatPolicies.Viewer);
    }

    private static Created<SessionView> Start(VerificationRequest request, SessionManager sessions, SessionStore store)
    {
        var session = sessions.StartVerification(request);
        return TypedResults.Created($"/api/verifications/{session.Id}", SessionViews.From(sessions.Get(session.Id)!, store.GetSteps(session.Id)));
    }

    private static Ok<List<VerificationView>> List(string? vm, string? restorePoint, SessionStore store) =>
        TypedResults.Ok(store.List()
            .Where(s => s.Verification is not null && (vm is null || s.Vm == vm) && (restorePoint is null || s.RestorePointId == restorePoint))
            .Select(VerificationViews.From).ToList());

    private static Ok<VerificationView> Get(string id, SessionStore store) =>
        store.Get(id) is { Verification: not null } session
            ? TypedResults.Ok(VerificationViews.From(session))
            : throw LifeboatException.NotFound($"There is no verification {id}; list them with GET /api/verifications.", "id");

    private static PhysicalFileHttpResult Screenshot(string id, SessionStore store) =>
        store.Get(id) is { Outcome.Screenshot: { } path } && File.Exists(path)
            ? TypedResults.PhysicalFile(path, "image/png")
            : throw LifeboatException.NotFound($"Verification {id} kept no screenshot (it did not run, has not ended, or QEMU gave no picture).", "id");
}
