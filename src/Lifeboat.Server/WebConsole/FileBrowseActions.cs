using System.Security.Claims;
using Lifeboat.FileRestore;
using Lifeboat.Hypervisors.Hosts;
using Lifeboat.Server.Api;
using Lifeboat.Server.Contracts.FileRestore;
using Lifeboat.Server.Contracts.Security;
using Lifeboat.Server.FileRestore;
using Lifeboat.Server.FileRestore.IntoVm;
using Lifeboat.Server.Security;
using Lifeboat.Server.Sessions;

namespace Lifeboat.Server.WebConsole;

/// <summary>
/// What the Browse files page does: the same file-restore sessions and restores into VMs the REST API serves, the
/// operator's only (checked again on the server before every call, as <see cref="ConsoleActions"/> does), opening,
/// closing and restoring recorded in the audit log under the REST API's action names.
/// </summary>
public sealed class FileBrowseActions(FileRestoreSessions sessions, VmFileRestorer restorer, ConsoleActions actions, BrowserSessions browserSessions)
{
    /// <summary>The open session this page can reuse: one on that VM and restore point.</summary>
    public FileRestoreSession? Find(string vm, string restorePointId) =>
        sessions.List().FirstOrDefault(s => s.Vm == vm && s.RestorePointId == restorePointId);

    public FileRestoreSession? Get(string id) => sessions.Get(id);

    /// <summary>Opens a session (an appliance start); the outcome's target is its id.</summary>
    public Task<ConsoleOutcome> OpenAsync(ClaimsPrincipal who, string? from, string vm, string? restorePoint, CancellationToken cancellationToken) =>
        actions.RunAsync(who, from, "file-restore.open", $"{vm}@{restorePoint ?? "latest"}", LifeboatRoles.Operator, async current =>
        {
            try
            {
                var session = await sessions.OpenAsync(vm, restorePoint, LifeboatClaims.Who(current), cancellationToken).ConfigureAwait(false);
                return (new ConsoleOutcome(true, $"The files of {session.Vm} at {session.RestorePointId} are open.", session.Id),
                    $"{vm}@{restorePoint ?? "latest"} as file-restore session {session.Id} ({session.RestorePointId})");
            }
            catch (FileRestoreException e)
            {
                return (new ConsoleOutcome(false, e.Message, null, e.Field), $"{vm}@{restorePoint ?? "latest"}");
            }
        }, cancellationToken);

    public Task<ConsoleOutcome> CloseAsync(ClaimsPrincipal who, string? from, string id, CancellationToken cancellationToken) =>
        actions.RunAsync(who, from, "file-restore.close", id, LifeboatRoles.Operator, async _ =>
            (await sessions.CloseAsync(id).ConfigureAwait(false)
                ? new ConsoleOutcome(true, "Closed: the reader of this restore point's files has stopped.", id)
                : new ConsoleOutcome(false, "These files were already closed (idle too long, or the server restarted).", id), id), cancellationToken);

    /// <summary>The session's file systems, or why not.</summary>
    public Task<(IReadOnlyList<GuestFileSystem>? FileSystems, string? Error)> FileSystemsAsync(ClaimsPrincipal who, FileRestoreSession session, CancellationToken cancellationToken) =>
        BrowseAsync(who, session, () => session.Browser.ListFileSystemsAsync(cancellationToken));

    /// <summary>A page of a folder, or why not.</summary>
    public Task<(GuestFolderPage? Page, string? Error)> ListAsync(
        ClaimsPrincipal who, FileRestoreSession session, GuestPath folder, int offset, int limit, CancellationToken cancellationToken) =>
        BrowseAsync(who, session, () => session.Browser.ListAsync(folder, offset, limit, cancellationToken));

    /// <summary>Restores into a running VM; the result says per file what happened, or the outcome says why nothing was.</summary>
    public async Task<(RestoreToVmResult? Result, ConsoleOutcome Outcome)> RestoreAsync(
        ClaimsPrincipal who, string? from, FileRestoreSession session, RestoreToVmRequest request, CancellationToken cancellationToken)
    {
        RestoreToVmResult? result = null;
        var target = $"file-restore session {session.Id}: {string.Join(", ", request.Paths)} into VM {request.Vm} on host {request.Host ?? SessionRecord.LocalHostId}";
        var outcome = await actions.RunAsync(who, from, FileRestoreToVmEndpoints.AuditActionName, target, LifeboatRoles.Operator, async _ =>
        {
            var transfer = session.StartDownload([.. request.Paths.Select(GuestPath.Parse)], "vm:" + request.Vm);
            string? error = null;
            try
            {
                result = await restorer.RestoreAsync(session.Browser, session.RestorePointId, request, null, cancellationToken).ConfigureAwait(false);
                var written = result.Files.Count(f => f.Outcome is RestoredFileView.Written or RestoredFileView.KeptBoth);
                return (new ConsoleOutcome(true, $"{written} of {result.Files.Count} written into {result.Vm} on host {result.Host}.", result.Vm),
                    $"{target} ({written} of {result.Files.Count} written)");
            }
            catch (Exception e) when (e is FileRestoreException or HostException or SessionStepException or ObjectDisposedException)
            {
                error = e is ObjectDisposedException ? "These files were closed meanwhile; open them again." : e.Message;
                return (new ConsoleOutcome(false, error, null, (e as FileRestoreException)?.Field), target);
            }
            finally
            {
                session.EndDownload(transfer, error);
            }
        }, cancellationToken).ConfigureAwait(false);
        return (result, outcome);
    }

    private async Task<(T? Value, string? Error)> BrowseAsync<T>(ClaimsPrincipal who, FileRestoreSession session, Func<Task<T>> read)
        where T : class
    {
        var current = browserSessions.Current(who);
        if (current.Identity?.IsAuthenticated != true)
            return (null, ConsoleActions.SessionEnded);
        if (!ConsoleRoles.CanOperate(current))
            return (null, ConsoleRoles.Refusal(current, LifeboatRoles.Operator));
        session.Touch();
        try
        {
            return (await read().ConfigureAwait(false), null);
        }
        catch (FileRestoreException e)
        {
            return (null, e.Message);
        }
        catch (ObjectDisposedException)
        {
            return (null, "These files were closed (idle too long, or the server restarted); open them again.");
        }
    }
}
