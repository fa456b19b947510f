using System.Security.Claims;
using Lifeboat.Server.Contracts.Jobs;
using Lifeboat.Server.Contracts.Security;
using Lifeboat.Server.Inventory;
using Lifeboat.Server.Jobs;
using Lifeboat.Server.Sessions;

namespace Lifeboat.Server.WebConsole;

/// <summary>
/// The console's buttons that manage what exists: a job edited, enabled or disabled; a restore point protected,
/// unprotected or deleted; a failed recovery started again. Checked, refused and audited as <see cref="ConsoleActions"/>
/// does, with the REST API's action names and roles.
/// </summary>
public sealed class ManageActions(ConsoleActions console, JobScheduler jobs, RestorePointActions restorePoints, SessionManager sessions)
{
    /// <summary>A refusal names the form field it is about (<see cref="JobSpecField"/>).</summary>
    public Task<ConsoleOutcome> EditJobAsync(ClaimsPrincipal who, string? from, JobSpec spec, CancellationToken cancellationToken) =>
        Run(who, from, "job.edit", spec.Name, LifeboatRoles.Admin, () =>
        {
            try
            {
                // The form does not show whether the job is enabled: it stays as it is now, whatever it was when the form was filled.
                var job = jobs.Edit(spec.Name, spec with { Enabled = jobs.Get(spec.Name)?.Spec.Enabled ?? spec.Enabled });
                return new ConsoleOutcome(true, $"Job {job.Spec.Name} now backs up {job.Spec.Vm} {job.Spec.Schedule}, keeping the newest {job.Spec.KeepLast}.", job.Spec.Name);
            }
            catch (InvalidJobSpecException e)
            {
                return new ConsoleOutcome(false, e.Message, null, e.Field);
            }
        }, cancellationToken);

    public Task<ConsoleOutcome> SetJobEnabledAsync(ClaimsPrincipal who, string? from, string job, bool enabled, CancellationToken cancellationToken) =>
        Run(who, from, enabled ? "job.enable" : "job.disable", job, LifeboatRoles.Admin, () =>
        {
            jobs.SetEnabled(job, enabled);
            return new ConsoleOutcome(true, enabled
                ? $"Job {job} is enabled: it runs by its schedule again."
                : $"Job {job} is disabled: it no longer runs by its schedule; Run now still runs it.", job);
        }, cancellationToken);

    /// <summary>Protecting needs Operator (it only keeps data); unprotecting needs Admin (it hands the point back to deletion).</summary>
    public Task<ConsoleOutcome> SetProtectedAsync(ClaimsPrincipal who, string? from, string id, bool protect, CancellationToken cancellationToken) =>
        Run(who, from, protect ? "restore-point.protect" : "restore-point.unprotect", id, protect ? LifeboatRoles.Operator : LifeboatRoles.Admin, () =>
        {
            restorePoints.SetProtected(id, protect);
            return new ConsoleOutcome(true, protect
                ? $"Restore point {id} is protected: retention keeps it and it cannot be deleted."
                : $"Restore point {id} is no longer protected.", id);
        }, cancellationToken);

    public Task<ConsoleOutcome> DeleteRestorePointAsync(ClaimsPrincipal who, string? from, string id, CancellationToken cancellationToken) =>
        console.RunAsync(who, from, "restore-point.delete", id, LifeboatRoles.Admin, async _ =>
        {
            var deleted = await restorePoints.DeleteAsync(id, cancellationToken).ConfigureAwait(false);
            return (new ConsoleOutcome(true, $"Restore point {id} of {deleted.Vm} is deleted; {Show.Bytes(deleted.BytesFreed)} freed.", id), id);
        }, cancellationToken);

    /// <summary>The outcome's target is the new session.</summary>
    public Task<ConsoleOutcome> RecoverAgainAsync(ClaimsPrincipal who, string? from, string sessionId, double readyTimeoutSeconds, CancellationToken cancellationToken) =>
        console.RunAsync(who, from, "session.recover", $"{sessionId} again", LifeboatRoles.Operator, _ =>
        {
            var session = sessions.RecoverAgain(sessionId, readyTimeoutSeconds);
            return Task.FromResult((new ConsoleOutcome(true, $"Session {session.Id} recovers {session.Vm} again.", session.Id), $"{sessionId} again as session {session.Id}"));
        }, cancellationToken);

    private Task<ConsoleOutcome> Run(ClaimsPrincipal who, string? from, string action, string target, string role, Func<ConsoleOutcome> act, CancellationToken cancellationToken) =>
        console.RunAsync(who, from, action, target, role, _ => Task.FromResult((act(), target)), cancellationToken);
}
