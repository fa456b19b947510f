namespace Lifeboat.Hypervisors.Qemu.LiveBackup;

/// <summary>One disk of a point in time: its NBD export and what tells its changes since the last backup.</summary>
/// <param name="Name">The guest device's name (see <see cref="QemuBlockDisk.Name"/>).</param>
/// <param name="ExportName">The NBD export that serves the disk as it was at the point in time.</param>
/// <param name="ChangedBitmap">
/// The bitmap whose dirty ranges (NBD meta context <c>qemu:dirty-bitmap:NAME</c> of the export) are everything written
/// since the last backup; null when the disk must be read whole (<see cref="FullReadReason"/>).
/// </param>
/// <param name="TrackingBitmap">The bitmap that tracks changes from this point in time on, for the next backup.</param>
public sealed record LiveBackupDisk(
    string Name,
    string NodeName,
    string Driver,
    long Size,
    string ExportName,
    string? ChangedBitmap,
    string? FullReadReason,
    string TrackingBitmap)
{
    /// <summary>The NBD meta context that lists the changed ranges, or null for a full read.</summary>
    public string? ChangedMetaContext => ChangedBitmap is null ? null : "qemu:dirty-bitmap:" + ChangedBitmap;
}
