namespace Lifeboat.Repository.Maintenance;

/// <summary>Running totals of a restore, read by the progress reporter while the disks are written.</summary>
internal sealed class RestoreCounters
{
    private long _done;
    private long _written;

    /// <summary>Logical bytes of the disks passed, holes included.</summary>
    public long Done => Interlocked.Read(ref _done);

    /// <summary>Bytes actually written (data blocks only).</summary>
    public long Written => Interlocked.Read(ref _written);

    public void AddDone(long bytes) => Interlocked.Add(ref _done, bytes);

    public void AddWritten(long bytes) => Interlocked.Add(ref _written, bytes);
}
