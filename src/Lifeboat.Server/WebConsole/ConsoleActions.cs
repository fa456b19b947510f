using System.Security.Claims;
using Lifeboat.Server.Contracts.Security;
using Lifeboat.Server.Jobs;
using Lifeboat.Server.Security;
using Lifeboat.Server.Sessions;

namespace Lifeboat.Server.WebConsole;

/// <summary>
/// What the console's buttons do: the same SessionManager and JobScheduler calls the REST API makes, refused here on
/// the server for anyone below the operator role (hiding a button is not enough), each recorded in the audit log
/// under the REST API's action names and answered with one sentence for the page.
/// </summary>
public sealed class ConsoleActions(SessionManager sessions, JobScheduler jobs, AuditLog audit)
{
    /// <summary>Starts an instant recovery; the outcome's target is the new session.</summary>
    public Task<ConsoleOutcome> RecoverAsync(ClaimsPrincipal who, string? from, RecoveryRequest request, CancellationToken cancellationToken)
    {
        var asked = request.Vm + (request.RestorePoint is { } point ? "@" + point : "");
        return RunAsync(who, from, "session.recover", asked, () =>
        {
            var session = sessions.Start(request);
            return (new ConsoleOutcome(true, $"Session {session.Id} recovers {session.Vm}.", session.Id), $"{asked} as session {session.Id}");
        }, cancellationToken);
    }

    public Task<ConsoleOutcome> MigrateAsync(ClaimsPrincipal who, string? from, string sessionId, MigrationRequest request, CancellationToken cancellationToken) =>
        RunAsync(who, from, "session.migrate", sessionId, () =>
        {
            sessions.Migrate(sessionId, request);
            return (new ConsoleOutcome(true, $"Session {sessionId} migrates to {request.TargetDirectory}.", sessionId), sessionId);
        }, cancellationToken);

    public Task<ConsoleOutcome> StopAsync(ClaimsPrincipal who, string? from, string sessionId, CancellationToken cancellationToken) =>
        RunAsync(who, from, "session.stop", sessionId, () =>
        {
            sessions.Stop(sessionId);
            return (new ConsoleOutcome(true, $"Session {sessionId} stops.", sessionId), sessionId);
        }, cancellationToken);

    public Task<ConsoleOutcome> RunJobAsync(ClaimsPrincipal who, string? from, string job, CancellationToken cancellationToken) =>
        RunAsync(who, from, "job.run", job, () =>
        {
            var run = jobs.RunNow(job);
            return (new ConsoleOutcome(true, $"Job {job} runs now (run {run.Id}).", job), job);
        }, cancellationToken);

    private async Task<ConsoleOutcome> RunAsync(
        ClaimsPrincipal who, string? from, string action, string target, Func<(ConsoleOutcome Outcome, string Target)> act, CancellationToken cancellationToken)
    {
        if (!ConsoleRoles.CanOperate(who))
        {
            await audit.RecordAsync(who, from, action, target, $"denied: needs {LifeboatRoles.Operator}", cancellationToken);
            return new ConsoleOutcome(false,
                $"This needs the {LifeboatRoles.Operator} role and {LifeboatClaims.Who(who)} has {LifeboatClaims.Role(who) ?? "none"}; ask an admin for it.", null);
        }

        ConsoleOutcome outcome;
        try
        {
            (outcome, target) = act();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or KeyNotFoundException)
        {
            // KeyNotFoundException quotes its message; the sentence is the one the REST API answers with.
            outcome = new ConsoleOutcome(false, e is KeyNotFoundException ? e.Message.Trim('\'') : e.Message, null);
        }

        await audit.RecordAsync(who, from, action, target, outcome.Done ? "ok" : "refused: " + outcome.Message, cancellationToken);
        return outcome;
    }
}

/// <summary>What a console action did, in one sentence; <paramref name="Target"/> is what it made or acted on.</summary>
public sealed record ConsoleOutcome(bool Done, string Message, string? Target);
