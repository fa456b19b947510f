namespace Lifeboat.Repository;

/// <summary>Where a damaged chunk is used: a restore point's disk and the offsets of the blocks that hold it (at most 1000 listed per disk).</summary>
public sealed record AffectedDisk(string RestorePointId, int DiskIndex, IReadOnlyList<long> Offsets);
