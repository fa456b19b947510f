namespace Lifeboat.Repository.Backup;

/// <summary>Running totals of a backup, updated by every pipeline stage.</summary>
internal sealed class BackupCounters
{
    private long _scanned;
    private long _stored;
    private long _new;
    private long _dedup;
    private long _zero;

    public long TotalBytes { get; init; }

    public long NewChunks => Interlocked.Read(ref _new);

    public long DedupChunks => Interlocked.Read(ref _dedup);

    public long StoredBytes => Interlocked.Read(ref _stored);

    public void AddScanned(long bytes) => Interlocked.Add(ref _scanned, bytes);

    public void AddStored(long bytes)
    {
        Interlocked.Add(ref _stored, bytes);
        Interlocked.Increment(ref _new);
    }

    public void AddDedup() => Interlocked.Increment(ref _dedup);

    public void AddZero(long blocks) => Interlocked.Add(ref _zero, blocks);

    public BackupProgress Snapshot() => new(
        Interlocked.Read(ref _scanned),
        TotalBytes,
        Interlocked.Read(ref _stored),
        Interlocked.Read(ref _new),
        Interlocked.Read(ref _dedup),
        Interlocked.Read(ref _zero));
}
