using Lifeboat.Repository;

namespace Lifeboat.Disks.BaseReads;

/// <summary>Remembers the newest read of a disk's backup that failed on a damaged chunk, and counts them.</summary>
internal sealed class DamagedChunkReads
{
    private readonly Lock _gate = new();
    private DamagedChunkRead? _newest;

    public DamagedChunkRead? Newest
    {
        get
        {
            lock (_gate)
                return _newest;
        }
    }

    /// <summary>Notes the damaged chunk <paramref name="failure"/> (or an exception inside it) names, if any.</summary>
    public void Note(Exception failure)
    {
        for (var e = failure; e is not null; e = e.InnerException)
        {
            if (e is not CorruptChunkException corrupt)
                continue;
            lock (_gate)
                _newest = new DamagedChunkRead(corrupt.DiskIndex, corrupt.DiskOffset, corrupt.ChunkId, corrupt.Reason, (_newest?.Count ?? 0) + 1);
            return;
        }
    }
}
