using System.IO.Pipelines;
using System.Text;
using Lifeboat.FileRestore;
using Lifeboat.Hypervisors.Hosts;
using Lifeboat.Hypervisors.Qemu.GuestAgent;
using Lifeboat.Server.Contracts.FileRestore;

namespace Lifeboat.Server.FileRestore.IntoVm;

/// <summary>
/// One restore into one VM: places entries in the guest (conflicts, bytes, links, folders, owners and modes) and keeps
/// what happened to each. One entry at a time: the agent takes one command at a time, the appliance one call.
/// </summary>
internal sealed class GuestPlacement(
    IRunningVm vm, GuestAgentCommands commands, IGuestFileSource source, RestoreConflict conflict, string restorePointId, IProgress<string>? progress)
{
    private const int MaxKeepBothTries = 100;

    // The file's bytes travel from the appliance to the agent through a pipe that holds at most this much.
    private static readonly PipeOptions Flow = new(pauseWriterThreshold: 4 * GuestFileWriter.DefaultChunkBytes, resumeWriterThreshold: 2 * GuestFileWriter.DefaultChunkBytes);

    private readonly GuestFileWriter _writer = new(vm.Agent, vm.FileChunkBytes);
    private readonly HashSet<string> _folders = new(StringComparer.Ordinal);
    private readonly List<RestoredFileView> _results = [];

    public IReadOnlyList<RestoredFileView> Results => _results;

    public int Count => _results.Count;

    private bool CanExec => commands.AllowsExec;

    public void Fail(GuestPath source, string? target, GuestEntryType type, string why) =>
        Add(source, target, type, RestoredFileView.Failed, 0, why);

    /// <summary>Makes the folder in the guest (merging into one that is there); false when it cannot be, said in the results.</summary>
    public async Task<bool> EnterFolderAsync(GuestEntry folder, string target, CancellationToken cancellationToken)
    {
        try
        {
            await EnsureFolderAsync(target, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is IOException or GuestAgentException or TimeoutException)
        {
            Fail(folder.Path, target, folder.Type, e.Message);
            return false;
        }
    }

    /// <summary>After everything under it: the folder's owner, mode and time, and its line in the results.</summary>
    public async Task LeaveFolderAsync(GuestEntry folder, string target, CancellationToken cancellationToken)
    {
        var detail = await SetMetadataAsync(folder, target, cancellationToken).ConfigureAwait(false);
        Add(folder.Path, target, folder.Type, RestoredFileView.Written, 0, detail);
    }

    /// <summary>Places a file or link at <paramref name="target"/>, as the conflict rule says.</summary>
    public async Task PlaceAsync(GuestEntry entry, string target, CancellationToken cancellationToken)
    {
        if (entry.Type is not (GuestEntryType.File or GuestEntryType.Symlink))
        {
            Add(entry.Path, target, entry.Type, RestoredFileView.Skipped, 0, $"a {Word(entry.Type)} is not restored into a VM.");
            return;
        }

        if (entry.Type == GuestEntryType.Symlink && !CanExec)
        {
            Add(entry.Path, target, entry.Type, RestoredFileView.Skipped, 0, "a symlink is made with guest-exec, which the guest agent does not allow.");
            return;
        }

        progress?.Report(target);
        var outcome = RestoredFileView.Written;
        try
        {
            await EnsureFolderAsync(Parent(target), cancellationToken).ConfigureAwait(false);
            var exists = await _writer.ExistsAsync(target, cancellationToken).ConfigureAwait(false);
            if (exists && conflict == RestoreConflict.Skip)
            {
                Add(entry.Path, target, entry.Type, RestoredFileView.Skipped, 0, "it exists in the guest; restore it again to overwrite it or to keep both.");
                return;
            }

            if (exists && conflict == RestoreConflict.KeepBoth)
            {
                target = await FreeNameAsync(target, cancellationToken).ConfigureAwait(false);
                outcome = RestoredFileView.KeptBoth;
            }

            if (entry.Type == GuestEntryType.Symlink)
            {
                await PlaceSymlinkAsync(entry, target, replace: exists && conflict == RestoreConflict.Overwrite, outcome, cancellationToken).ConfigureAwait(false);
                return;
            }

            var bytes = await CopyAsync(entry.Path, target, replace: exists && conflict == RestoreConflict.Overwrite, cancellationToken).ConfigureAwait(false);
            var detail = await SetMetadataAsync(entry, target, cancellationToken).ConfigureAwait(false);
            Add(entry.Path, target, entry.Type, outcome, bytes, detail);
        }
        catch (Exception e) when (e is IOException or GuestAgentException or TimeoutException or FileRestoreException)
        {
            Add(entry.Path, target, entry.Type, RestoredFileView.Failed, 0, e.Message);
        }
    }

    private async Task PlaceSymlinkAsync(GuestEntry entry, string target, bool replace, string outcome, CancellationToken cancellationToken)
    {
        var pointsAt = entry.LinkTarget is { } bytes ? Utf8(bytes) : null;
        if (pointsAt is null)
        {
            Add(entry.Path, target, entry.Type, RestoredFileView.Failed, 0, "its target is not UTF-8, which the guest agent cannot carry.");
            return;
        }

        if (replace)
            await GuestFileCommands.RemoveAsync(vm.Agent, target, cancellationToken).ConfigureAwait(false);
        var problem = await GuestFileCommands.MakeSymlinkAsync(vm.Agent, pointsAt, target, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
        {
            Add(entry.Path, target, entry.Type, RestoredFileView.Failed, 0, problem);
            return;
        }

        Add(entry.Path, target, entry.Type, outcome, 0, await SetMetadataAsync(entry, target, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Streams the file from the appliance into the guest; a half-written file is removed when it can be.</summary>
    private async Task<long> CopyAsync(GuestPath file, string target, bool replace, CancellationToken cancellationToken)
    {
        var pipe = new Pipe(Flow);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reading = ReadAsync(file, pipe.Writer, stop.Token);
        try
        {
            await using var content = pipe.Reader.AsStream();
            var written = await _writer.WriteAsync(target, content, replace, null, stop.Token).ConfigureAwait(false);
            await reading.ConfigureAwait(false);
            return written;
        }
        catch (Exception e) when (e is IOException or GuestAgentException or TimeoutException or FileRestoreException or OperationCanceledException)
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await reading.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            cancellationToken.ThrowIfCancellationRequested();
            // The appliance's error names the file and any damaged block: it comes first.
            var cause = reading.Exception?.InnerException is FileRestoreException read ? read : e;
            var removed = e is not GuestFileExistsException && CanExec
                && await TryRemoveAsync(target).ConfigureAwait(false);
            throw new IOException(cause.Message.TrimEnd('.') + (removed ? "; the half-written file was removed." : "."), cause);
        }
    }

    private async Task ReadAsync(GuestPath file, PipeWriter writer, CancellationToken cancellationToken)
    {
        try
        {
            await using (var stream = writer.AsStream(leaveOpen: true))
                await source.CopyFileAsync(file, stream, null, cancellationToken).ConfigureAwait(false);
            await writer.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            await writer.CompleteAsync(e).ConfigureAwait(false);
            throw;
        }
    }

    private async Task<bool> TryRemoveAsync(string target)
    {
        try
        {
            return await GuestFileCommands.RemoveAsync(vm.Agent, target, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or GuestAgentException or TimeoutException)
        {
            return false;
        }
    }

    /// <summary><c>NAME.restored-RP</c>, then <c>-2</c>, <c>-3</c>…: the first that is free, probed with guest-file-open for reading.</summary>
    private async Task<string> FreeNameAsync(string target, CancellationToken cancellationToken)
    {
        var stem = $"{target}.restored-{restorePointId[..Math.Min(8, restorePointId.Length)]}";
        for (var i = 1; i <= MaxKeepBothTries; i++)
        {
            var name = i == 1 ? stem : $"{stem}-{i}";
            if (!await _writer.ExistsAsync(name, cancellationToken).ConfigureAwait(false))
                return name;
        }

        throw new IOException($"{stem} and {MaxKeepBothTries - 1} more names beside it exist in the guest; remove some, or restore into another guest folder.");
    }

    private async Task EnsureFolderAsync(string folder, CancellationToken cancellationToken)
    {
        if (folder.Length == 0 || _folders.Contains(folder))
            return;
        if (CanExec)
            await GuestFileCommands.MakeFolderAsync(vm.Agent, folder, cancellationToken).ConfigureAwait(false);
        else if (!await _writer.ExistsAsync(folder, cancellationToken).ConfigureAwait(false))
            throw new IOException($"Folder {folder} does not exist in the guest and its agent does not allow guest-exec to make it; make it there, or restore into a folder that exists.");
        _folders.Add(folder);
    }

    /// <summary>Owner, mode and time as the backup has them; null when all were set, else what was not.</summary>
    private async Task<string?> SetMetadataAsync(GuestEntry entry, string target, CancellationToken cancellationToken)
    {
        if (!CanExec)
            return "owner, mode and time not set: the guest agent does not allow guest-exec.";
        try
        {
            return await GuestFileCommands.SetMetadataAsync(vm.Agent, target, entry.Uid, entry.Gid, entry.Mode, entry.ModifiedAt, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or GuestAgentException or TimeoutException)
        {
            return $"owner, mode and time not set: {e.Message}";
        }
    }

    private void Add(GuestPath source, string? target, GuestEntryType type, string outcome, long bytes, string? detail) =>
        _results.Add(new RestoredFileView(source.ToString(), target, Word(type), outcome, bytes, detail));

    private static string Parent(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash <= 0 ? "/" : path[..slash];
    }

    private static string Word(GuestEntryType type) => type switch
    {
        GuestEntryType.File => "file",
        GuestEntryType.Directory => "directory",
        GuestEntryType.Symlink => "symlink",
        GuestEntryType.CharDevice => "character device",
        GuestEntryType.BlockDevice => "block device",
        GuestEntryType.Fifo => "fifo",
        GuestEntryType.Socket => "socket",
        _ => "file of unknown type",
    };

    private static string? Utf8(byte[] bytes)
    {
        try
        {
            return new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }
}
