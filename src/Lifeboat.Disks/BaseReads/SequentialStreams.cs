namespace Lifeboat.Disks.BaseReads;

/// <summary>
/// Recognises streaming readers, such as a live mirror copying the disk to production or a guest copying a large
/// file: reads that continue one of a few runs seen recently, within a slack that absorbs the reordering of
/// requests in flight. Once a run has covered the threshold, densely (random reads that happen to land near each
/// other leave most of their span unread), its further reads are streaming: each block is read once, so keeping a
/// local copy of it costs a write and gains nothing.
/// </summary>
internal sealed class SequentialStreams
{
    private const int Tracked = 8;

    // Requests in flight arrive a little out of order; further away, a read starts a run of its own.
    private const long Slack = 4L * 1024 * 1024;

    // Streaming readers read in large requests (a mirror 1 MiB, a guest's read-ahead 128 KiB and more); the many small
    // random reads of a booting guest skip the shared table and its lock altogether.
    private const int MinimumRead = 64 * 1024;

    private readonly long _threshold;
    private readonly Run[] _runs = new Run[Tracked];
    private readonly Lock _lock = new();
    private long _clock;

    public SequentialStreams(long threshold)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threshold);
        _threshold = threshold;
    }

    /// <summary>
    /// Notes a read of <paramref name="count"/> bytes at <paramref name="offset"/>; true when it belongs to a run that
    /// had already covered the threshold before it. Reads under 64 KiB are never streaming.
    /// </summary>
    public bool IsStreaming(long offset, int count)
    {
        if (count < MinimumRead)
            return false;
        long end = offset + count;
        lock (_lock)
        {
            long now = ++_clock;
            int oldest = 0;
            for (int i = 0; i < _runs.Length; i++)
            {
                ref var run = ref _runs[i];
                if (run.Covered > 0 && offset >= run.End - Slack && offset <= run.End + Slack)
                {
                    bool streaming = run.Covered >= _threshold && run.Covered >= (run.End - run.Start) / 2;

                    // A read just behind the end is one that was overtaken in flight; further back, a re-read.
                    if (offset >= run.End - (4L * count))
                        run.Covered += count;
                    run.End = Math.Max(run.End, end);
                    run.LastUsed = now;
                    return streaming;
                }

                if (run.LastUsed < _runs[oldest].LastUsed)
                    oldest = i;
            }

            _runs[oldest] = new Run { Start = offset, End = end, Covered = count, LastUsed = now };
            return false;
        }
    }

    private struct Run
    {
        public long Start;
        public long End;
        public long Covered;
        public long LastUsed;
    }
}
