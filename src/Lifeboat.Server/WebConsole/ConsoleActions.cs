using System.Security.Claims;
using Lifeboat.Server.Contracts.Hosts;
using Lifeboat.Server.Contracts.Jobs;
using Lifeboat.Server.Contracts.Security;
using Lifeboat.Server.Contracts.Storage;
using Lifeboat.Server.Inventory;
using Lifeboat.Server.Jobs;
using Lifeboat.Server.Security;
using Lifeboat.Server.Sessions;

namespace Lifeboat.Server.WebConsole;

/// <summary>
/// What the console's buttons do: the same SessionManager, JobScheduler and Accounts calls the REST API makes, refused
/// here on the server for anyone below the role the REST endpoint needs (hiding a button is not enough), each recorded
/// in the audit log under the REST API's action names and answered with one sentence for the page. The caller's browser
/// session is checked again before each action, as a request's cookie is: a page left open by a user since removed,
/// demoted or signed out acts as who the user is now.
/// </summary>
public sealed class ConsoleActions(
    SessionManager sessions, JobScheduler jobs, Accounts accounts, DatastoreRegistry datastores, HostInventory hosts, BrowserSessions browserSessions, AuditLog audit)
{
    /// <summary>Starts an instant recovery; the outcome's target is the new session.</summary>
    public Task<ConsoleOutcome> RecoverAsync(ClaimsPrincipal who, string? from, RecoveryRequest request, CancellationToken cancellationToken)
    {
        var asked = request.Vm + (request.RestorePoint is { } point ? "@" + point : "");
        return RunAsync(who, from, "session.recover", asked, LifeboatRoles.Operator, _ =>
        {
            var session = sessions.Start(request);
            return (new ConsoleOutcome(true, $"Session {session.Id} recovers {session.Vm}.", session.Id), $"{asked} as session {session.Id}");
        }, cancellationToken);
    }

    /// <summary>Starts a boot verification of a restore point; the outcome's target is its session.</summary>
    public Task<ConsoleOutcome> VerifyAsync(ClaimsPrincipal who, string? from, VerificationRequest request, CancellationToken cancellationToken) =>
        RunAsync(who, from, "verification.start", request.Vm, LifeboatRoles.Operator, _ =>
        {
            var session = sessions.StartVerification(request);
            return (new ConsoleOutcome(true, $"Verification {session.Id} boots {session.Vm} on host {session.HostId}.", session.Id), $"{request.Vm} as session {session.Id}");
        }, cancellationToken);

    public Task<ConsoleOutcome> MigrateAsync(ClaimsPrincipal who, string? from, string sessionId, MigrationRequest request, CancellationToken cancellationToken) =>
        RunAsync(who, from, "session.migrate", sessionId, LifeboatRoles.Operator, _ =>
        {
            sessions.Migrate(sessionId, request);
            return (new ConsoleOutcome(true, $"Session {sessionId} migrates to {request.TargetDirectory}.", sessionId), sessionId);
        }, cancellationToken);

    public Task<ConsoleOutcome> StopAsync(ClaimsPrincipal who, string? from, string sessionId, CancellationToken cancellationToken) =>
        RunAsync(who, from, "session.stop", sessionId, LifeboatRoles.Operator, _ =>
        {
            sessions.Stop(sessionId);
            return (new ConsoleOutcome(true, $"Session {sessionId} stops.", sessionId), sessionId);
        }, cancellationToken);

    public Task<ConsoleOutcome> RunJobAsync(ClaimsPrincipal who, string? from, string job, CancellationToken cancellationToken) =>
        RunAsync(who, from, "job.run", job, LifeboatRoles.Operator, _ =>
        {
            if (jobs.Get(job) is { Running: true })
                return (new ConsoleOutcome(false, $"Job {job} is already running; its page follows the run.", job), job);
            var run = jobs.RunNow(job);
            return (new ConsoleOutcome(true, $"Job {job} runs now (run {run.Id}).", job), job);
        }, cancellationToken);

    /// <summary>Adds a backup job; a refusal names the form field it is about (<see cref="JobSpecField"/>).</summary>
    public Task<ConsoleOutcome> AddJobAsync(ClaimsPrincipal who, string? from, JobSpec spec, CancellationToken cancellationToken) =>
        RunAsync(who, from, "job.add", spec.Name, LifeboatRoles.Admin, _ =>
        {
            try
            {
                var job = jobs.Add(spec);
                return (new ConsoleOutcome(true, $"Job {job.Spec.Name} backs up {job.Spec.Vm} {job.Spec.Schedule}.", job.Spec.Name), job.Spec.Name);
            }
            catch (LifeboatException e) when (e.Reason == LifeboatErrorReason.Conflict && jobs.Get(spec.Name) is not null)
            {
                return (new ConsoleOutcome(false, $"There is a job {spec.Name} already; pick another name, or remove that job from the list above first.", null, JobSpecField.Name), spec.Name);
            }
        }, cancellationToken);

    public Task<ConsoleOutcome> RemoveJobAsync(ClaimsPrincipal who, string? from, string job, CancellationToken cancellationToken) =>
        RunAsync(who, from, "job.remove", job, LifeboatRoles.Admin, _ =>
        {
            if (jobs.Get(job) is { Running: true })
                return (new ConsoleOutcome(false, $"Job {job} is running; remove it once the run has ended (its page follows the run).", job), job);
            jobs.Remove(job);
            return (new ConsoleOutcome(true, $"Job {job} is removed; its restore points stay.", job), job);
        }, cancellationToken);

    /// <summary>Adds a user; without a password the server makes one, in <see cref="ConsoleOutcome.Secret"/> (never in the audit log).</summary>
    public Task<ConsoleOutcome> AddUserAsync(ClaimsPrincipal who, string? from, AddUserRequest request, CancellationToken cancellationToken) =>
        RunAsync(who, from, "user.add", $"{request.Name} ({request.Role})", LifeboatRoles.Admin, current =>
        {
            AddedUserView added;
            try
            {
                added = accounts.AddUser(current, request);
            }
            catch (LifeboatException e) when (e.Reason == LifeboatErrorReason.Conflict)
            {
                return (new ConsoleOutcome(false, $"There is a user {request.Name} already; pick another name, or remove that user below first.", null, AccountField.Name),
                    $"{request.Name} ({request.Role})");
            }

            var message = $"Added user {added.User.Name} with role {added.User.Role}.";
            return (new ConsoleOutcome(true, message, added.User.Name, Secret: added.GeneratedPassword), $"{added.User.Name} ({added.User.Role})");
        }, cancellationToken);

    public Task<ConsoleOutcome> RemoveUserAsync(ClaimsPrincipal who, string? from, string name, CancellationToken cancellationToken) =>
        RunAsync(who, from, "user.remove", name, LifeboatRoles.Admin, _ =>
        {
            accounts.RemoveUser(name);
            return (new ConsoleOutcome(true, $"Removed user {name}; the tokens they created are revoked.", name), name);
        }, cancellationToken);

    /// <summary>An admin sets a new password the server makes for someone else; it is in <see cref="ConsoleOutcome.Secret"/>.</summary>
    public Task<ConsoleOutcome> ResetPasswordAsync(ClaimsPrincipal who, string? from, string name, CancellationToken cancellationToken) =>
        RunAsync(who, from, "user.password", name, LifeboatRoles.Admin, current =>
        {
            var password = PasswordHasher.Generate();
            accounts.ChangePassword(current, from, name, new ChangePasswordRequest(password));
            return (new ConsoleOutcome(true, $"Set a new password for {name}; their browser sessions have ended.", name, Secret: password), name);
        }, cancellationToken);

    /// <summary>Any signed-in user changes their own password; this browser session goes on, the user's others end.</summary>
    public Task<ConsoleOutcome> ChangeOwnPasswordAsync(ClaimsPrincipal who, string? from, string current, string newPassword, CancellationToken cancellationToken)
    {
        var name = LifeboatClaims.Who(who);
        return RunAsync(who, from, "user.password", name, LifeboatRoles.Viewer, user =>
        {
            try
            {
                accounts.ChangePassword(user, from, name, new ChangePasswordRequest(newPassword, current));
            }
            catch (LifeboatException e) when (e.Reason is LifeboatErrorReason.Forbidden or LifeboatErrorReason.Throttled && user.FindFirst(LifeboatClaims.Via)?.Value == LifeboatClaims.ViaPassword)
            {
                return (new ConsoleOutcome(false, e.Message, null, "current"), name);
            }

            return (new ConsoleOutcome(true, "Your password is changed; your other browser sessions have ended.", name), name);
        }, cancellationToken);
    }

    public Task<ConsoleOutcome> CreateTokenAsync(ClaimsPrincipal who, string? from, CreateTokenRequest request, CancellationToken cancellationToken) =>
        RunAsync(who, from, "token.create", $"{request.Name} ({request.Role})", LifeboatRoles.Admin, current =>
        {
            CreatedTokenView created;
            try
            {
                created = accounts.CreateToken(current, request);
            }
            catch (LifeboatException e) when (e.Reason == LifeboatErrorReason.Conflict)
            {
                return (new ConsoleOutcome(false, $"There is a token {request.Name} already; revoke it below first, or pick another name.", null, AccountField.Name),
                    $"{request.Name} ({request.Role})");
            }

            var message = $"Created token {created.Token.Name} (id {created.Token.Id}, role {created.Token.Role}).";
            return (new ConsoleOutcome(true, message, created.Token.Name, Secret: created.Secret), $"{created.Token.Name} ({created.Token.Role})");
        }, cancellationToken);

    public Task<ConsoleOutcome> RevokeTokenAsync(ClaimsPrincipal who, string? from, string nameOrId, CancellationToken cancellationToken) =>
        RunAsync(who, from, "token.revoke", nameOrId, LifeboatRoles.Admin, _ =>
        {
            accounts.RevokeToken(nameOrId);
            return (new ConsoleOutcome(true, $"Revoked token {nameOrId}; calls with it are refused from now on.", nameOrId), nameOrId);
        }, cancellationToken);

    /// <summary>Declares a datastore; a refusal names the form field it is about (<see cref="DatastoreField"/>).</summary>
    public Task<ConsoleOutcome> AddDatastoreAsync(ClaimsPrincipal who, string? from, AddDatastoreRequest request, CancellationToken cancellationToken) =>
        RunAsync(who, from, "datastore.add", $"{request.Name} at {request.Path}", LifeboatRoles.Admin, _ =>
        {
            try
            {
                var added = datastores.Add(request);
                return (new ConsoleOutcome(true, $"Datastore {added.Name} is declared at {added.Path}; recoveries and migrations may write inside it.", added.Name),
                    $"{request.Name} at {request.Path}");
            }
            catch (LifeboatException e) when (e.Reason == LifeboatErrorReason.Conflict)
            {
                var field = datastores.List().Any(d => d.Name == request.Name) ? DatastoreField.Name : DatastoreField.Path;
                return (new ConsoleOutcome(false, e.Message, null, field), $"{request.Name} at {request.Path}");
            }
        }, cancellationToken);

    public Task<ConsoleOutcome> RemoveDatastoreAsync(ClaimsPrincipal who, string? from, string name, CancellationToken cancellationToken) =>
        RunAsync(who, from, "datastore.remove", name, LifeboatRoles.Admin, _ =>
        {
            datastores.Remove(name);
            return (new ConsoleOutcome(true, $"Datastore {name} is removed; what was written there stays.", name), name);
        }, cancellationToken);

    /// <summary>Adds a libvirt host once it answers; a refusal names the form field it is about (<see cref="HostField"/>).</summary>
    public Task<ConsoleOutcome> AddHostAsync(ClaimsPrincipal who, string? from, AddHostRequest request, CancellationToken cancellationToken) =>
        RunAsync(who, from, "host.add", $"{request.Name} at {request.Connect}", LifeboatRoles.Admin, async _ =>
        {
            try
            {
                var added = await hosts.AddAsync(request, cancellationToken).ConfigureAwait(false);
                return (new ConsoleOutcome(true, $"Host {added.Name} answers ({added.Hostname ?? added.Connection}, {added.Accelerator?.ToUpperInvariant()}, {added.Cpus} CPUs); VMs can be recovered onto it.", added.Name),
                    $"{request.Name} at {request.Connect}");
            }
            catch (LifeboatException e) when (e.Reason == LifeboatErrorReason.Conflict)
            {
                return (new ConsoleOutcome(false, e.Message, null, HostField.Name), $"{request.Name} at {request.Connect}");
            }
        }, cancellationToken);

    public Task<ConsoleOutcome> RemoveHostAsync(ClaimsPrincipal who, string? from, string name, CancellationToken cancellationToken) =>
        RunAsync(who, from, "host.remove", name, LifeboatRoles.Admin, _ =>
        {
            hosts.Remove(name);
            return (new ConsoleOutcome(true, $"Host {name} is removed; what runs there stays.", name), name);
        }, cancellationToken);

    public const string SessionEnded =
        "Your browser session has ended (signed out, or your user was removed or its password changed); reload the page and sign in again.";

    private Task<ConsoleOutcome> RunAsync(ClaimsPrincipal who, string? from, string action, string target, string role,
        Func<ClaimsPrincipal, (ConsoleOutcome Outcome, string Target)> act, CancellationToken cancellationToken) =>
        RunAsync(who, from, action, target, role, principal => Task.FromResult(act(principal)), cancellationToken);

    /// <summary>Checks the browser session and role again, runs <paramref name="act"/>, and records it in the audit log.</summary>
    internal async Task<ConsoleOutcome> RunAsync(ClaimsPrincipal who, string? from, string action, string target, string role,
        Func<ClaimsPrincipal, Task<(ConsoleOutcome Outcome, string Target)>> act, CancellationToken cancellationToken)
    {
        var current = browserSessions.Current(who);
        if (current.Identity?.IsAuthenticated != true)
        {
            await audit.RecordAsync(who, from, action, target, "denied: the browser session has ended", cancellationToken);
            return new ConsoleOutcome(false, SessionEnded, null);
        }

        who = current;
        if (!ConsoleRoles.Holds(who, role))
        {
            await audit.RecordAsync(who, from, action, target, $"denied: needs {role}", cancellationToken);
            return new ConsoleOutcome(false, ConsoleRoles.Refusal(who, role), null);
        }

        ConsoleOutcome outcome;
        try
        {
            (outcome, target) = await act(who).ConfigureAwait(false);
        }
        catch (LifeboatException e)
        {
            outcome = ConsoleOutcome.Refused(e);
        }
        catch (ArgumentException e)
        {
            outcome = new ConsoleOutcome(false, e.Message, null, e.ParamName);
        }

        await audit.RecordAsync(who, from, action, target, outcome.Done ? "ok" : "refused: " + outcome.Message, cancellationToken);
        return outcome;
    }
}

/// <summary>What a console action did, in one sentence; <paramref name="Target"/> is what it made or acted on.</summary>
/// <param name="Field">The form field a refusal is about, when it is about one.</param>
/// <param name="Secret">A password or token secret the action made, for the page to show once.</param>
/// <param name="Problems">Every field's problem when the form had several; each is shown beside its field.</param>
public sealed record ConsoleOutcome(bool Done, string Message, string? Target, string? Field = null, string? Secret = null,
    IReadOnlyList<FieldProblem>? Problems = null)
{
    /// <summary>The one place a refusal becomes what a page shows: its sentence, beside its field (each field's, when there are several).</summary>
    public static ConsoleOutcome Refused(LifeboatException refused) =>
        new(false, refused.Message, null, refused.Field, Problems: refused.Problems.Count > 0 ? refused.Problems : null);
}
