namespace Lifeboat.Repository;

/// <summary>How consistent a live backup's point in time is, as recorded with the restore point.</summary>
/// <param name="Kind"><see cref="FileSystemConsistent"/> or <see cref="CrashConsistent"/>.</param>
/// <param name="FrozenMilliseconds">How long the guest's file systems were frozen; null when they were not.</param>
/// <param name="Reason">Why the backup is only crash-consistent, for people.</param>
/// <param name="SourceIdentity">Which run of the VM was read (e.g. QEMU's process id and start time).</param>
public sealed record BackupConsistency(string Kind, double? FrozenMilliseconds, string? Reason, string? SourceIdentity)
{
    /// <summary>The guest agent froze the file systems for the instant of the point in time.</summary>
    public const string FileSystemConsistent = "file-system-consistent";

    /// <summary>As after a power cut: what the guest had written to its disks at that instant.</summary>
    public const string CrashConsistent = "crash-consistent";
}
