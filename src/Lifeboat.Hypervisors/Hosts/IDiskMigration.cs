namespace Lifeboat.Hypervisors.Hosts;

/// <summary>
/// Moves a running VM's disks from the mount server to production storage on its host. Mirror: copy while the guest
/// runs and writes, then pivot. Quick (hosts that offer it): copy, then pause, copy what changed and switch.
/// A failed or stopped migration is undone with <see cref="AbandonAsync"/>: the VM keeps running from the backup.
/// </summary>
public interface IDiskMigration
{
    /// <summary>Whether the host offers the quick method (the local QEMU host does; libvirt's block copy is a mirror).</summary>
    bool OffersQuick { get; }

    /// <summary>The production file of each disk in <paramref name="target"/> (a folder, or a storage pool <c>pool:NAME</c>, on the host).</summary>
    IReadOnlyList<string> ProductionPaths(ProductionTarget target);

    /// <summary>Creates the production files (or volumes) and makes them known to the VM's host; files kept from before a restart are reused.</summary>
    /// <exception cref="HostException">There is no room, or the host refused.</exception>
    Task<string> PrepareAsync(ProductionTarget target, CancellationToken cancellationToken);

    /// <summary>Mirrors every disk until source and production are in sync; <paramref name="progress"/> gets (bytes done, bytes in all).</summary>
    Task<long> MirrorAsync(Action<long, long> progress, CancellationToken cancellationToken);

    /// <summary>Switches every disk to its production copy; the VM never stops.</summary>
    Task PivotAsync(CancellationToken cancellationToken);

    /// <summary>Quick method, first step: copies while the VM runs, tracking its writes.</summary>
    Task<long> CopyAsync(Action<long, long> progress, CancellationToken cancellationToken);

    /// <summary>Quick method, last step: pauses the VM, copies what changed, switches; returns how long the VM was paused.</summary>
    Task<TimeSpan> PauseCopyAndSwitchAsync(CancellationToken cancellationToken);

    /// <summary>Undoes a migration that did not finish: jobs cancelled, production files deleted; the VM runs from the backup. Never throws.</summary>
    Task<IReadOnlyList<string>> AbandonAsync();
}
