using Lifeboat.Hypervisors.Libvirt;
using Lifeboat.Hypervisors.Qemu;
using Lifeboat.Hypervisors.Qemu.LiveBackup;
using Lifeboat.Repository;
using Microsoft.Extensions.Logging;

namespace Lifeboat.LiveBackup;

/// <summary>
/// A backup of a running VM (QEMU through its monitor, or a libvirt domain through libvirt's backup API): a point in time of every disk (guest frozen around it when it
/// has an agent), read over NBD, only what the dirty bitmap marks when the last restore point's bitmap can be
/// trusted; the point in time ends with the commit (old bitmaps dropped) or the failure (new bitmaps merged back).
/// </summary>
public static class LiveQemuBackup
{
    /// <summary>Where the fleecing images and the NBD socket of VM <paramref name="vm"/> go unless --work-dir says.</summary>
    public static string DefaultWorkDirectory(string vm) =>
        Path.Combine(Path.GetTempPath(), "lifeboat-live", string.Concat(vm.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')));

    public static Task<RestorePointInfo> RunAsync(
        BackupRepository repository, QmpClient qmp, QemuLiveBackupOptions options, IProgress<BackupProgress>? progress, ILoggerFactory loggers, CancellationToken cancellationToken) =>
        RunAsync(repository, options, async o => await QemuPointInTime.StartAsync(qmp, o, loggers.CreateLogger(typeof(QemuPointInTime).FullName!), cancellationToken).ConfigureAwait(false), progress, cancellationToken);

    /// <summary>The same through libvirt's backup API (pull mode, checkpoints) for a libvirt domain.</summary>
    public static Task<RestorePointInfo> RunAsync(
        BackupRepository repository, string connectUri, string domain, QemuLiveBackupOptions options, IProgress<BackupProgress>? progress, ILoggerFactory loggers, CancellationToken cancellationToken) =>
        RunAsync(repository, options, async o => await LibvirtPointInTime.StartAsync(connectUri, domain, o, loggers.CreateLogger(typeof(LibvirtPointInTime).FullName!), cancellationToken).ConfigureAwait(false), progress, cancellationToken);

    private static async Task<RestorePointInfo> RunAsync(
        BackupRepository repository, QemuLiveBackupOptions options, Func<QemuLiveBackupOptions, Task<ILivePointInTime>> start, IProgress<BackupProgress>? progress, CancellationToken cancellationToken)
    {
        // Before the point in time: its work folder and bitmaps are made for this name.
        if (!VmName.TryValidate(options.Vm, "vm", out var problem))
            throw new RepositoryException(problem);
        var latest = repository.ListRestorePoints(options.Vm) is { Count: > 0 } earlier ? earlier[^1] : null;
        var tracked = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var disk in latest?.Disks ?? [])
        {
            if (disk.ChangeTracking?.TrackingId is { } bitmap)
            {
                tracked[disk.Name] = bitmap;
            }
        }

        options = options with { TrackedBitmaps = tracked, PreviousSourceIdentity = latest?.Consistency?.SourceIdentity };
        await using var pointInTime = await start(options).ConfigureAwait(false);
        var sources = new List<NbdDiskSource>();
        try
        {
            // Side by side: each disk's connection and block status queries are round trips to QEMU.
            var opening = pointInTime.Disks.Select(disk => NbdDiskSource.OpenAsync(
                pointInTime.NbdServer, disk.ExportName, disk.Driver, disk.ChangedMetaContext, latest?.Id, disk.FullReadReason, disk.TrackingBitmap, cancellationToken)).ToList();
            try
            {
                await Task.WhenAll(opening).ConfigureAwait(false);
            }
            finally
            {
                sources.AddRange(opening.Where(o => o.IsCompletedSuccessfully).Select(o => o.Result));
            }

            var request = new BackupRequest(options.Vm, [])
            {
                Disks = [.. pointInTime.Disks.Select((d, i) => new BackupDisk(d.Name, $"{d.NodeName} via {pointInTime.NbdServer}", sources[i]))],
                VmConfigText = pointInTime.HardwareText,
                Consistency = new BackupConsistency(pointInTime.Consistency, pointInTime.FrozenMilliseconds, pointInTime.CrashConsistentReason, pointInTime.SourceIdentity),
            };
            var restorePoint = await repository.BackupAsync(request, progress, cancellationToken).ConfigureAwait(false);
            DisposeAll(sources);
            // Committed: from here on only the new bitmaps may stay, whatever happens to this process.
            await pointInTime.CompleteAsync(CancellationToken.None).ConfigureAwait(false);
            return restorePoint;
        }
        finally
        {
            DisposeAll(sources);
        }
    }

    /// <summary>Side by side: each disconnect waits for QEMU to close its end.</summary>
    private static void DisposeAll(List<NbdDiskSource> sources)
    {
        Parallel.ForEach(sources, source => source.Dispose());
        sources.Clear();
    }
}
