using System.Buffers;

namespace Lifeboat.Disks;

public sealed partial class PublishedDisk
{
    // Small steps, so that a reader catching up with the read-ahead waits for little more than it asked for.
    private const int ReadAheadStepBytes = 256 * 1024;

    private long _lastReadEnd = -1;
    private long _readAheadFrontier;
    private int _readAheadRunning;
    private Task? _readAhead;
    private ReadAheadStep? _readAheadStep;

    /// <summary>
    /// A read continuing the previous one copies the clusters ahead of it into the hydration file in the background,
    /// one window at a time, so a sequential reader finds them local.
    /// </summary>
    private void ConsiderReadAhead(long offset, long end)
    {
        long previousEnd = Interlocked.Exchange(ref _lastReadEnd, end);
        if (previousEnd != offset || !_hydration!.HasRoom)
            return;
        long frontier = Volatile.Read(ref _readAheadFrontier);
        if (frontier >= end + (_readAheadBytes / 2))
            return;
        if (Interlocked.CompareExchange(ref _readAheadRunning, 1, 0) != 0)
            return;
        long from = Math.Max(frontier, end);
        long to = Math.Min(from + _readAheadBytes, Volatile.Read(ref _baseVisible));
        Volatile.Write(ref _readAheadFrontier, to);
        if (to <= from || _shutdown.IsCancellationRequested)
        {
            Volatile.Write(ref _readAheadRunning, 0);
            return;
        }

        StartReadAhead(from, to);
    }

    // Separate from ConsiderReadAhead so that the lambda's closure is only allocated when a read-ahead starts.
    private void StartReadAhead(long from, long to)
    {
        Interlocked.Increment(ref _counters.ReadAheads);
        Volatile.Write(ref _readAhead, Task.Run(() => ReadAheadAsync(from, to)));
    }

    /// <summary>Completes when no read-ahead is running (tests use it to look at a settled disk).</summary>
    internal Task ReadAheadIdle => Volatile.Read(ref _readAhead) ?? Task.CompletedTask;

    private async Task ReadAheadAsync(long from, long to)
    {
        int stepBytes = Math.Max(_clusterSize, ReadAheadStepBytes);
        try
        {
            var ct = _shutdown.Token;
            for (long position = from; position < to && !ct.IsCancellationRequested && _hydration!.HasRoom; position += stepBytes)
            {
                long firstCluster = position >> _shift;
                long limit = ClusterCount(Math.Min(to, position + stepBytes));
                var step = new ReadAheadStep(firstCluster, limit);
                Volatile.Write(ref _readAheadStep, step);
                try
                {
                    await HydrateMissingAsync(firstCluster, limit, onHydrated: null, ct);
                }
                finally
                {
                    Volatile.Write(ref _readAheadStep, null);
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
            Volatile.Write(ref _readAheadRunning, 0);
        }
    }

    /// <summary>
    /// Copies into the hydration file the clusters of [<paramref name="firstCluster"/>, <paramref name="endCluster"/>)
    /// that only the base holds (not written, not hydrated, not past the base's end), one run at a time.
    /// </summary>
    private async ValueTask HydrateMissingAsync(long firstCluster, long endCluster, Action<long, long>? onHydrated, CancellationToken ct)
    {
        long baseVisible = Volatile.Read(ref _baseVisible);
        long hidden = ClusterCount(baseVisible);
        for (long c = firstCluster; c < endCluster;)
        {
            var source = Classify(c, endCluster, hidden, out long runEnd);
            if (source == RunSource.Base && runEnd << _shift <= baseVisible)
            {
                await HydrateAsync(c, runEnd, ct);
                onHydrated?.Invoke(c, runEnd);
            }

            c = runEnd;
        }
    }

    private async ValueTask HydrateAsync(long firstCluster, long endCluster, CancellationToken ct)
    {
        var hydration = _hydration!;
        long epoch = hydration.Epoch;
        int length = (int)((endCluster - firstCluster) << _shift);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            await ReadBaseAsync(firstCluster << _shift, buffer.AsMemory(0, length), BaseRead.Once, ct);
            hydration.TryStore(firstCluster, buffer.AsSpan(0, length), epoch);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The clusters a read-ahead is fetching at the moment; readers that need them wait for <see cref="Done"/>.</summary>
    private sealed class ReadAheadStep(long firstCluster, long endCluster)
    {
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Done => _done.Task;

        public bool Overlaps(long first, long end) => first < endCluster && end > firstCluster;

        public void Complete() => _done.TrySetResult();
    }
}
