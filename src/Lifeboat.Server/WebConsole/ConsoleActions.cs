using System.Security.Claims;
using Lifeboat.Server.Jobs;
using Lifeboat.Server.Sessions;

namespace Lifeboat.Server.WebConsole;

/// <summary>
/// What the console's buttons do: the same SessionManager and JobScheduler calls the REST API makes, each answered
/// with one sentence for the page.
/// </summary>
public sealed class ConsoleActions(SessionManager sessions, JobScheduler jobs)
{
    /// <summary>Starts an instant recovery; the outcome names the new session.</summary>
    public Task<ConsoleOutcome> RecoverAsync(ClaimsPrincipal who, string? from, RecoveryRequest request, CancellationToken cancellationToken) =>
        RunAsync(who, from, "session.recover", request.Vm, () =>
        {
            var session = sessions.Start(request);
            return new ConsoleOutcome(true, $"Session {session.Id} recovers {session.Vm}.", session.Id);
        }, cancellationToken);

    public Task<ConsoleOutcome> MigrateAsync(ClaimsPrincipal who, string? from, string sessionId, MigrationRequest request, CancellationToken cancellationToken) =>
        RunAsync(who, from, "session.migrate", sessionId, () =>
        {
            sessions.Migrate(sessionId, request);
            return new ConsoleOutcome(true, $"Session {sessionId} migrates to {request.TargetDirectory}.", sessionId);
        }, cancellationToken);

    public Task<ConsoleOutcome> StopAsync(ClaimsPrincipal who, string? from, string sessionId, CancellationToken cancellationToken) =>
        RunAsync(who, from, "session.stop", sessionId, () =>
        {
            sessions.Stop(sessionId);
            return new ConsoleOutcome(true, $"Session {sessionId} stops.", sessionId);
        }, cancellationToken);

    public Task<ConsoleOutcome> RunJobAsync(ClaimsPrincipal who, string? from, string job, CancellationToken cancellationToken) =>
        RunAsync(who, from, "job.run", job, () =>
        {
            var run = jobs.RunNow(job);
            return new ConsoleOutcome(true, $"Job {job} runs now (run {run.Id}).", job);
        }, cancellationToken);

    private static Task<ConsoleOutcome> RunAsync(ClaimsPrincipal who, string? from, string action, string target, Func<ConsoleOutcome> act, CancellationToken cancellationToken)
    {
        _ = who;
        _ = from;
        _ = action;
        _ = target;
        _ = cancellationToken;
        try
        {
            return Task.FromResult(act());
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or KeyNotFoundException)
        {
            // KeyNotFoundException's message is the sentence the REST API answers with too.
            return Task.FromResult(new ConsoleOutcome(false, e is KeyNotFoundException ? e.Message.Trim('\'') : e.Message, null));
        }
    }
}

/// <summary>What a console action did, in one sentence; <paramref name="Target"/> is what it made or acted on.</summary>
public sealed record ConsoleOutcome(bool Done, string Message, string? Target);
