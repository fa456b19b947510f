using Lifeboat.Repository.Chunks;

namespace Lifeboat.Repository.Backup;

/// <summary>
/// What the pipeline reads of one disk: everything allocated (both null), or only <see cref="ChangedRanges"/> with
/// every other block taken from <see cref="BaseBlockMap"/>.
/// </summary>
internal sealed record DiskReadPlan(ChunkId[]? BaseBlockMap, IEnumerable<(long Offset, long Length)>? ChangedRanges)
{
    public static DiskReadPlan Full { get; } = new(null, null);
}
