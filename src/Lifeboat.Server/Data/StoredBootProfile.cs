namespace Lifeboat.Server.Data;

/// <summary>A VM's boot profile as the database keeps it: one list of clusters per disk, from the recovery that recorded it.</summary>
public sealed record StoredBootProfile(DateTimeOffset RecordedAt, string RestorePointId, string SessionId, IReadOnlyList<StoredDiskProfile> Disks)
{
    public long Clusters => Disks.Sum(d => (long)d.Clusters.Count);

    public long Bytes => Disks.Sum(d => (long)d.Clusters.Count * d.ClusterSize);
}

public sealed record StoredDiskProfile(int ClusterSize, IReadOnlyList<long> Clusters);
