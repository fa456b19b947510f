namespace Lifeboat.Hypervisors.Qemu.LiveBackup;

/// <summary>
/// A point in time of a running VM's disks served over NBD (a unix socket here, TCP on a remote host), by QEMU directly
/// (<see cref="QemuPointInTime"/>) or through libvirt's backup API. Complete it once the backup is committed, abort it
/// when the backup failed (no change since the last backup is lost); disposing aborts.
/// </summary>
public interface ILivePointInTime : IAsyncDisposable
{
    /// <summary>Where the NBD server listens; each disk's export is named <see cref="LiveBackupDisk.ExportName"/>.</summary>
    LiveBackupNbdServer NbdServer { get; }

    IReadOnlyList<LiveBackupDisk> Disks { get; }

    /// <summary><see cref="ConsistencyKinds.FileSystem"/> or <see cref="ConsistencyKinds.Crash"/>.</summary>
    string Consistency { get; }

    double? FrozenMilliseconds { get; }

    string? CrashConsistentReason { get; }

    /// <summary>Which run of the VM was read, to tell a restart from a lost bitmap next time.</summary>
    string? SourceIdentity { get; }

    /// <summary>The VM's hardware as the hypervisor reports it: JSON for QEMU, the domain XML for libvirt.</summary>
    string HardwareText { get; }

    Task CompleteAsync(CancellationToken cancellationToken = default);

    Task AbortAsync();
}
