using Lifeboat.Disks.Caching;
using Lifeboat.Disks.Hydration;

namespace Lifeboat.Disks.Prefetch;

/// <summary>
/// A read continuing the previous one copies the clusters ahead of it into the hydration file in the background,
/// one window at a time, so a sequential reader finds them local.
/// </summary>
internal sealed class ReadAhead(RunReader reader, Hydrator hydrator, WriteCache cache, DiskCounters counters, int windowBytes, CancellationToken shutdown)
{
    // Small steps, so that a reader catching up with the read-ahead waits for little more than it asked for.
    private const int StepBytes = 256 * 1024;

    private long _lastReadEnd = -1;
    private long _frontier;
    private int _running;
    private Task? _task;

    /// <summary>Completes when no read-ahead is running.</summary>
    public Task Idle => Volatile.Read(ref _task) ?? Task.CompletedTask;

    public void OnRead(long offset, long end)
    {
        long previousEnd = Interlocked.Exchange(ref _lastReadEnd, end);
        if (previousEnd != offset || !hydrator.HasRoom)
            return;
        long frontier = Volatile.Read(ref _frontier);
        if (frontier >= end + (windowBytes / 2))
            return;
        if (Interlocked.CompareExchange(ref _running, 1, 0) != 0)
            return;
        long from = Math.Max(frontier, end);
        long to = Math.Min(from + windowBytes, cache.BaseVisible);
        Volatile.Write(ref _frontier, to);
        if (to <= from || shutdown.IsCancellationRequested)
        {
            Volatile.Write(ref _running, 0);
            return;
        }

        Start(from, to);
    }

    // Separate from OnRead so that the lambda's closure is only allocated when a read-ahead starts.
    private void Start(long from, long to)
    {
        Interlocked.Increment(ref counters.ReadAheads);
        Volatile.Write(ref _task, Task.Run(() => RunAsync(from, to)));
    }

    private async Task RunAsync(long from, long to)
    {
        int stepBytes = Math.Max(cache.ClusterSize, StepBytes);
        try
        {
            for (long position = from; position < to && !shutdown.IsCancellationRequested && hydrator.HasRoom; position += stepBytes)
            {
                long firstCluster = position >> cache.ClusterShift;
                long limit = cache.ClusterCount(Math.Min(to, position + stepBytes));
                var step = new FetchStep(firstCluster, limit);
                hydrator.Fetching = step;
                try
                {
                    await reader.HydrateMissingAsync(firstCluster, limit, onHydrated: null, shutdown);
                }
                finally
                {
                    hydrator.Fetching = null;
                    step.Complete();
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // Read-ahead is a guess: a failing base is reported by the read that really needs the bytes.
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }
}
