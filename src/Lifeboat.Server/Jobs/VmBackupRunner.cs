using System.Diagnostics;
using Lifeboat.LiveBackup;
using Lifeboat.Hypervisors.Libvirt;
using Lifeboat.Hypervisors.Qemu;
using Lifeboat.Hypervisors.Qemu.LiveBackup;
using Lifeboat.Repository;
using Lifeboat.Repository.DiskImages;
using Lifeboat.Server.Contracts.Jobs;
using Lifeboat.Server.Inventory;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Server.Jobs;

/// <summary>
/// The server's backups: disk files at rest through the repository's own backup; running VMs live, QEMU through its
/// monitor and libvirt domains through libvirt's backup API (a point in time read over NBD, only the changed blocks
/// when the dirty bitmap or checkpoint can be trusted).
/// </summary>
public sealed class VmBackupRunner(ILoggerFactory loggers) : IVmBackupRunner
{
    public async Task<VmBackupResult> RunAsync(VmBackupRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return request.Source.Kind switch
            {
                JobSourceKind.Disks => await BackupFilesAsync(request, cancellationToken).ConfigureAwait(false),
                JobSourceKind.Qmp => await BackupQemuAsync(request, cancellationToken).ConfigureAwait(false),
                _ => await BackupLibvirtAsync(request, cancellationToken).ConfigureAwait(false),
            };
        }
        catch (Exception e) when (e is RepositoryException or DiskSourceException or IOException or UnauthorizedAccessException
            or QmpException or QemuException or LibvirtException or ArgumentException or InvalidDataException)
        {
            throw new VmBackupException(e.Message, e);
        }
    }

    /// <summary>What a restore point says about how it was read, as a run's result.</summary>
    public static VmBackupResult Describe(RestorePointInfo point, TimeSpan duration)
    {
        var tracking = point.Disks.Select(d => d.ChangeTracking).ToList();
        var used = tracking.Count > 0 && tracking.All(t => t?.BaseRestorePointId is not null);
        var note = point.Consistency is null
            ? "not used: disk files are read whole (unchanged blocks are still stored once)"
            : used
                ? $"used: only blocks changed since restore point {tracking[0]!.BaseRestorePointId} were read"
                : "not used: " + string.Join("; ", point.Disks.Select(d => $"{d.Name}: {d.ChangeTracking?.FullReadReason ?? "read whole"}"));
        var read = point.Disks.Sum(d => d.ChangeTracking?.BytesRead ?? d.Size);
        return new VmBackupResult(point.Id, read, point.StoredBytes, duration, point.Consistency?.Kind ?? VmBackupResult.AtRest, used, note);
    }

    private static async Task<VmBackupResult> BackupFilesAsync(VmBackupRequest request, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        using var repository = RepositoryRegistry.Open(request.RepositoryPath);
        var point = await repository.BackupAsync(new BackupRequest(request.Vm, request.Source.DiskPaths ?? []), request.Progress, cancellationToken)
            .ConfigureAwait(false);
        return Describe(point, clock.Elapsed);
    }

    private async Task<VmBackupResult> BackupQemuAsync(VmBackupRequest request, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var source = request.Source;
        using var repository = RepositoryRegistry.Open(request.RepositoryPath);
        await using var qmp = await QmpClient.ConnectAsync(source.QmpSocket!, loggers.CreateLogger<QmpClient>(), cancellationToken).ConfigureAwait(false);
        var options = new QemuLiveBackupOptions
        {
            Vm = request.Vm,
            WorkDirectory = request.WorkDirectory,
            GuestAgentSocket = source.GuestAgentSocket,
        };
        var point = await LiveQemuBackup.RunAsync(repository, qmp, options, request.Progress, loggers, cancellationToken).ConfigureAwait(false);
        return Describe(point, clock.Elapsed);
    }

    private async Task<VmBackupResult> BackupLibvirtAsync(VmBackupRequest request, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var source = request.Source;
        using var repository = RepositoryRegistry.Open(request.RepositoryPath);
        var options = new QemuLiveBackupOptions { Vm = request.Vm, WorkDirectory = request.WorkDirectory };
        var point = await LiveQemuBackup.RunAsync(repository, source.ConnectUri ?? Virsh.DefaultUri, source.LibvirtDomain!, options, request.Progress, loggers, cancellationToken).ConfigureAwait(false);
        return Describe(point, clock.Elapsed);
    }
}
