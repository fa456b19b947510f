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

    /// <summary>Bytes this restore point added to the repository (new chunks only).</summary>
    public long StoredBytes => Disks.Sum(d => d.StoredBytes);

    /// <summary>Sum of the disks' virtual sizes.</summary>
    public long LogicalBytes => Disks.Sum(d => d.Size);
}
