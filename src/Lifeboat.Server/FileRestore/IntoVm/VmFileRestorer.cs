using System.Text;
using Lifeboat.FileRestore;
using Lifeboat.Hypervisors.Hosts;
using Lifeboat.Hypervisors.Qemu.GuestAgent;
using Lifeboat.Server.Contracts.FileRestore;
using Lifeboat.Server.Sessions;

namespace Lifeboat.Server.FileRestore.IntoVm;

/// <summary>
/// Puts files and folders of a restore point into a running VM through its guest agent: each selected path is read from
/// the file-restore session's appliance (folders walked page by page) and written into the guest, one file at a time.
/// </summary>
public sealed class VmFileRestorer(RunningVms vms)
{
    /// <summary>Paths one request may name.</summary>
    public const int MaxPaths = 1000;

    /// <summary>Files, folders and links one request may restore (each is one line of the result).</summary>
    public const int MaxEntries = 100_000;

    private const int PageSize = 1000;
    private const int MaxGuestPathBytes = 4096;

    /// <summary>Restores <paramref name="request"/>'s paths from <paramref name="source"/>; says per file what it did.</summary>
    /// <exception cref="FileRestoreException">The request is malformed (the field says which part).</exception>
    /// <exception cref="HostException">No such running VM, its host cannot be reached, or its agent cannot write files.</exception>
    /// <exception cref="Sessions.SessionStepException">No such host.</exception>
    public async Task<RestoreToVmResult> RestoreAsync(
        IFileRestoreBrowser source, string restorePointId, RestoreToVmRequest request, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(request);
        var paths = Validate(request);
        var conflict = RestoreConflicts.Parse(request.Conflict);
        var guestFolder = request.GuestPath is null ? null : ValidateGuestFolder(request.GuestPath);

        IRunningVm vm;
        try
        {
            vm = await vms.FindAsync(request.Vm, request.Host, cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException e)
        {
            throw new FileRestoreException(e.Message, "vm", e);
        }

        await using (vm.ConfigureAwait(false))
        {
            GuestAgentCommands commands;
            try
            {
                commands = await GuestAgentCommands.ReadAsync(vm.Agent, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is TimeoutException or GuestAgentException or IOException)
            {
                throw new HostException($"The guest agent of VM {vm.Name} on host {vm.HostName} does not answer ({e.Message.TrimEnd('.')}); check that qemu-ga runs in the guest.", e);
            }

            if (!commands.AllowsFileWrite)
                throw new HostException($"The guest agent of VM {vm.Name} on host {vm.HostName} does not allow guest-file-open, guest-file-write, guest-file-seek and guest-file-close; enable them in qemu-ga's configuration in the guest.");

            var placement = new GuestPlacement(vm, commands, source, conflict, restorePointId, progress);
            foreach (var path in paths)
                await RestorePathAsync(placement, source, path, guestFolder, cancellationToken).ConfigureAwait(false);

            var agent = $"qemu-ga {commands.Version}" + (commands.AllowsExec ? "" : ", guest-exec not allowed: no folders made, owners, modes and times not set");
            return new RestoreToVmResult(vm.Name, vm.HostName, restorePointId, agent, placement.Results);
        }
    }

    private static async Task RestorePathAsync(GuestPlacement placement, IFileRestoreBrowser source, GuestPath path, string? guestFolder, CancellationToken cancellationToken)
    {
        GuestEntry entry;
        try
        {
            entry = await source.StatAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (FileRestoreException e)
        {
            placement.Fail(path, null, GuestEntryType.Unknown, e.Message);
            return;
        }

        var target = TopTarget(path, guestFolder);
        if (target is null)
        {
            placement.Fail(path, null, entry.Type, NotUtf8);
            return;
        }

        if (entry.Type != GuestEntryType.Directory)
        {
            await placement.PlaceAsync(entry, target, cancellationToken).ConfigureAwait(false);
            return;
        }

        // Depth first, a folder's own owner, mode and time set once everything under it is written (writing changes its time).
        var stack = new Stack<(GuestEntry Folder, string Target, int Offset, bool Leave)>();
        if (!await placement.EnterFolderAsync(entry, target, cancellationToken).ConfigureAwait(false))
            return;
        stack.Push((entry, target, 0, false));
        while (stack.TryPop(out var top))
        {
            if (top.Leave)
            {
                await placement.LeaveFolderAsync(top.Folder, top.Target, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (placement.Count >= MaxEntries)
            {
                placement.Fail(top.Folder.Path, top.Target, top.Folder.Type, $"not restored: one restore takes at most {MaxEntries} entries; restore the rest in another.");
                continue;
            }

            GuestFolderPage page;
            try
            {
                page = await source.ListAsync(top.Folder.Path, top.Offset, PageSize, cancellationToken).ConfigureAwait(false);
            }
            catch (FileRestoreException e)
            {
                placement.Fail(top.Folder.Path, top.Target, top.Folder.Type, e.Message);
                continue;
            }

            // Pushed before the children, so popped after them: the next page, or the folder's own metadata.
            var more = top.Offset + page.Entries.Count < page.Total && page.Entries.Count > 0;
            stack.Push(more ? (top.Folder, top.Target, top.Offset + page.Entries.Count, false) : (top.Folder, top.Target, 0, true));
            foreach (var child in page.Entries)
            {
                var childTarget = Child(top.Target, child.Name);
                if (childTarget is null)
                {
                    placement.Fail(child.Path, null, child.Type, NotUtf8);
                }
                else if (child.Type == GuestEntryType.Directory)
                {
                    if (await placement.EnterFolderAsync(child, childTarget, cancellationToken).ConfigureAwait(false))
                        stack.Push((child, childTarget, 0, false));
                }
                else
                {
                    await placement.PlaceAsync(child, childTarget, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    private const string NotUtf8 = "its name is not UTF-8, which the guest agent cannot carry; download it instead.";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static string? Text(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    /// <summary>Where a selected path goes: into the guest folder under its own name, else back to its own path.</summary>
    private static string? TopTarget(GuestPath path, string? guestFolder)
    {
        if (guestFolder is null)
            return Text(path.Bytes);
        return path.IsRoot ? guestFolder : Child(guestFolder, path.Name);
    }

    private static string? Child(string folder, ReadOnlySpan<byte> name) =>
        Text(name) is { } text ? (folder.EndsWith('/') ? folder + text : folder + "/" + text) : null;

    private static List<GuestPath> Validate(RestoreToVmRequest request)
    {
        if (request.Paths is not { Count: > 0 } texts)
            throw new FileRestoreException("paths must name at least one FS:/PATH to restore.", "paths");
        if (texts.Count > MaxPaths)
            throw new FileRestoreException($"paths names {texts.Count} paths; one restore takes at most {MaxPaths} (name their folder instead).", "paths");
        return [.. texts.Select(GuestPath.Parse)];
    }

    private static string ValidateGuestFolder(string folder)
    {
        if (!folder.StartsWith('/') || folder.Contains('\0', StringComparison.Ordinal) || Encoding.UTF8.GetByteCount(folder) > MaxGuestPathBytes
            || folder.Split('/').Any(part => part is "." or ".."))
        {
            throw new FileRestoreException($"guestPath '{folder}' must be an absolute folder in the guest (starting with '/', no '.' or '..', at most {MaxGuestPathBytes} bytes).", "guestPath");
        }

        return folder.Length > 1 ? folder.TrimEnd('/') : folder;
    }
}
