namespace Lifeboat.Repository;

/// <summary>How a disk of a live backup was read.</summary>
/// <param name="TrackingId">What tracks the disk's changes since this restore point (the next backup checks it).</param>
/// <param name="BaseRestorePointId">The restore point unchanged blocks came from; null for a full read.</param>
/// <param name="FullReadReason">Why the disk was read whole; null for an incremental read.</param>
/// <param name="BytesRead">Bytes read from the disk.</param>
public sealed record DiskChangeTracking(string? TrackingId, string? BaseRestorePointId, string? FullReadReason, long BytesRead);
