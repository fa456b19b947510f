using System.Text;
using Lifeboat.Hypervisors.Qemu;
using Lifeboat.Server.Data;
using Lifeboat.Server.Hosting;
using Lifeboat.Server.Sessions;
using Lifeboat.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Lifeboat.Server.Api;

/// <summary>/api/sessions: instant recovery sessions, their steps, log and console; migrate and stop.</summary>
public static class SessionEndpoints
{
    /// <summary>The response header that tells where the next console read starts.</summary>
    public const string ConsoleOffsetHeader = "Lifeboat-Console-Offset";

    private const int MaxConsoleBytes = 1024 * 1024;

    public static void Map(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/sessions").WithTags("Sessions");
        group.MapGet("/", List).WithSummary("Every session, newest first.").RequireAuthorization(LifeboatPolicies.Viewer);
        group.MapPost("/", Create).WithSummary("Starts an instant recovery session; it runs in the background.").RequireAuthorization(LifeboatPolicies.Operator)
            .Audited("session.recover", (context, answer) => RecoveryTarget(context.Arguments.OfType<RecoveryRequest>().FirstOrDefault(), answer as SessionView));
        group.MapGet("/{id}", Get).WithSummary("A session with its phases and steps.").RequireAuthorization(LifeboatPolicies.Viewer);
        group.MapGet("/{id}/log", Log).WithSummary("What happened beside the steps.").RequireAuthorization(LifeboatPolicies.Viewer);
        group.MapGet("/{id}/console", Console).WithSummary("The VM's serial console from a byte offset.").RequireAuthorization(LifeboatPolicies.Viewer);
        group.MapPost("/{id}/migrate", Migrate).WithSummary("Moves the VM to production storage while it runs, then finalizes the session.")
            .RequireAuthorization(LifeboatPolicies.Operator).Audited("session.migrate");
        group.MapPost("/{id}/recover-again", RecoverAgain).WithSummary("Starts a failed recovery again as a new session: same restore point, host and options, another boot timeout.")
            .RequireAuthorization(LifeboatPolicies.Operator)
            .Audited("session.recover", (context, answer) => $"{context.HttpContext.Request.RouteValues["id"]} again{(answer is SessionView s ? " as session " + s.Id : "")}");
        group.MapPost("/{id}/stop", Stop).WithSummary("Powers the VM off, undefines and unpublishes it, deletes the cache.")
            .RequireAuthorization(LifeboatPolicies.Operator).Audited("session.stop");
    }

    private static Ok<List<SessionView>> List(SessionManager sessions, SessionStore store) =>
        TypedResults.Ok(sessions.List().Select(s => SessionViews.From(s, store.GetSteps(s.Session.Id))).ToList());

    private static Created<SessionView> Create(RecoveryRequest request, SessionManager sessions, SessionStore store)
    {
        var session = sessions.Start(request);
        return TypedResults.Created($"/api/sessions/{session.Id}", SessionViews.From(sessions.Get(session.Id)!, store.GetSteps(session.Id)));
    }

    /// <remarks>With If-None-Match and "Prefer: wait=N" it answers when the session next changes, or 304 after N s.</remarks>
    private static async Task<Results<Ok<SessionView>, StatusCodeHttpResult>> Get(
        string id, SessionManager sessions, SessionStore store, TimeProvider time, HttpContext http)
    {
        var snapshot = sessions.Get(id) ?? throw SessionManager.NoSession(id);
        var changed = await SessionChangeWait.ChangedAsync(sessions, snapshot, http.Request, time, http.RequestAborted);
        http.Response.Headers.ETag = SessionChangeWait.Tag(changed ?? snapshot);
        return changed is null
            ? TypedResults.StatusCode(StatusCodes.Status304NotModified)
            : TypedResults.Ok(SessionViews.From(changed, store.GetSteps(id)));
    }

    private static Ok<List<SessionLogLine>> Log(string id, SessionStore store) =>
        store.Get(id) is null ? throw SessionManager.NoSession(id) : TypedResults.Ok(store.GetLog(id).ToList());

    private static ContentHttpResult Console(string id, long? offset, SessionStore store, DataFolder data, HttpResponse response)
    {
        var session = store.Get(id) ?? throw SessionManager.NoSession(id);
        var path = VmRuntimeFolder.ConsolePath(session.RuntimeDirectory, data.KeptConsole(id));
        var (bytes, next) = VmRuntimeFolder.ReadFrom(path, offset ?? 0, MaxConsoleBytes);
        response.Headers[ConsoleOffsetHeader] = next.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Text(Encoding.UTF8.GetString(bytes), "text/plain; charset=utf-8");
    }

    private static Accepted<SessionView> Migrate(string id, MigrationRequest request, SessionManager sessions, SessionStore store)
    {
        sessions.Migrate(id, request);
        return TypedResults.Accepted($"/api/sessions/{id}", SessionViews.From(sessions.Get(id)!, store.GetSteps(id)));
    }

    private static Created<SessionView> RecoverAgain(
        string id, Lifeboat.Server.Contracts.Sessions.RecoverAgainRequest request, SessionManager sessions, SessionStore store)
    {
        var session = sessions.RecoverAgain(id, request.ReadyTimeoutSeconds);
        return TypedResults.Created($"/api/sessions/{session.Id}", SessionViews.From(sessions.Get(session.Id)!, store.GetSteps(session.Id)));
    }

    private static Accepted<SessionView> Stop(string id, SessionManager sessions, SessionStore store)
    {
        sessions.Stop(id);
        return TypedResults.Accepted($"/api/sessions/{id}", SessionViews.From(sessions.Get(id)!, store.GetSteps(id)));
    }

    private static string RecoveryTarget(RecoveryRequest? request, SessionView? session) =>
        $"{request?.Vm}{(request?.RestorePoint is { } point ? "@" + point : "")}{(session is null ? "" : " as session " + session.Id)}";
}
