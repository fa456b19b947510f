namespace Lifeboat.Repository;

/// <summary>A restore point as listed: one backup of one VM's disks.</summary>
public sealed record RestorePointInfo(
    string Id,
    string Vm,
    DateTimeOffset Time,
    string? ParentId,
    IReadOnlyList<DiskInfo> Disks,
    RestorePointVmConfig? VmConfig)
{
    /// <summary>How consistent a live backup's point in time is; null for a backup of disk files.</summary>
    public BackupConsistency? Consistency { get; init; }

    /// <summary>Kept by retention (and not counted toward its keep-last) and refused by deletion until unprotected.</summary>
    public bool Protected { get; init; }

    /// <summary>
    /// True when every disk read only the blocks changed since an earlier restore point (changed-block tracking); false when
    /// some disk was read whole (a backup of disk files always is), deduplicated against the repository either way. Every
    /// restore point's block maps are complete by themselves, incremental or not.
    /// </summary>
    public bool Incremental => Disks.Count > 0 && Disks.All(d => d.ChangeTracking?.BaseRestorePointId is not null);

    /// <summary>True when the VM's disks are tracked for changes from this restore point on (the next backup may be incremental).</summary>
    public bool ChangeTracked => Disks.Count > 0 && Disks.All(d => d.ChangeTracking?.TrackingId is not null);

    /// <summary>Bytes this restore point added to the repository (new chunks only).</summary>
    public long StoredBytes => Disks.Sum(d => d.StoredBytes);

    /// <summary>Sum of the disks' virtual sizes.</summary>
    public long LogicalBytes => Disks.Sum(d => d.Size);
}
