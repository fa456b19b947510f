namespace Lifeboat.Repository.DiskImages;

/// <summary>
/// A disk whose changes since an earlier restore point are known (a hypervisor's changed-block tracking): the backup
/// reads only <see cref="GetChangedRanges"/> and takes every other block from the base restore point's block map.
/// </summary>
public interface IIncrementalDiskSource : IDiskSource
{
    /// <summary>
    /// The restore point this disk equals outside <see cref="GetChangedRanges"/>, or null when the changes cannot be
    /// trusted and the disk must be read whole (<see cref="FullReadReason"/> says why).
    /// </summary>
    string? BaseRestorePointId { get; }

    /// <summary>Why the disk is read whole; null when <see cref="BaseRestorePointId"/> is set.</summary>
    string? FullReadReason { get; }

    /// <summary>What tracks this disk's changes from this backup's instant on (a bitmap's name), recorded for the next backup.</summary>
    string? TrackingId { get; }

    /// <summary>Ranges written since the base restore point, sorted; anything else reads as in the base.</summary>
    IEnumerable<(long Offset, long Length)> GetChangedRanges();
}
