using System.Buffers;
using System.Collections.Concurrent;

namespace Lifeboat.Disks.Hydration;

/// <summary>
/// Writes hydrated copies behind the reads that decoded them: a read hands its pooled buffer over and returns at
/// once, and a thread of the writer's own drains the queue into the <see cref="HydrationStore"/> (on the thread
/// pool it would starve behind the very reads that feed it). The queue holds a bounded number of bytes, so memory
/// stays bounded; a read that finds it full keeps its copy (and stores it itself). Copies carry the store's epoch
/// from before their read, so one that lands after its clusters were dropped is refused by the store as before.
/// </summary>
internal sealed class HydrationWriter : IDisposable
{
    private readonly HydrationStore _store;
    private readonly long _maxQueuedBytes;
    private readonly Action _full;
    private readonly BlockingCollection<Copy> _queue = new(new ConcurrentQueue<Copy>());
    private readonly Thread _writer;
    private readonly Lock _startLock = new();
    private long _queuedBytes;
    private bool _started;
    private int _closing;

    /// <param name="store">Where the copies go.</param>
    /// <param name="maxQueuedBytes">Bytes of copies waiting at most; an empty queue always accepts one copy.</param>
    /// <param name="full">Called when the store refuses a copy because it has no room left.</param>
    /// <param name="name">Names the writer's thread.</param>
    public HydrationWriter(HydrationStore store, long maxQueuedBytes, Action full, string name)
    {
        _store = store;
        _maxQueuedBytes = Math.Max(0, maxQueuedBytes);
        _full = full;
        // Started by the first copy: a publication nobody reads costs no thread.
        _writer = new Thread(Write) { IsBackground = true, Name = $"hydration {name}" };
    }

    /// <summary>
    /// Reserves room for a copy of <paramref name="length"/> bytes, before its read starts; false when the queue is
    /// full. Follow a reservation with <see cref="Queue"/> or <see cref="Cancel"/>.
    /// </summary>
    public bool TryReserve(int length)
    {
        long queued = Interlocked.Add(ref _queuedBytes, length);
        if ((queued > _maxQueuedBytes && queued != length) || Volatile.Read(ref _closing) != 0)
        {
            Interlocked.Add(ref _queuedBytes, -length);
            return false;
        }

        return true;
    }

    /// <summary>Gives back a reservation whose read failed.</summary>
    public void Cancel(int length) => Interlocked.Add(ref _queuedBytes, -length);

    /// <summary>
    /// Queues <paramref name="length"/> reserved bytes of whole clusters from <paramref name="firstCluster"/>, read
    /// from the base while the store's epoch was <paramref name="epoch"/>. The writer owns <paramref name="buffer"/>
    /// (rented from <see cref="ArrayPool{T}.Shared"/>) from here on and returns it to the pool.
    /// </summary>
    public void Queue(long firstCluster, byte[] buffer, int length, long epoch)
    {
        if (!TryAdd(new Copy(firstCluster, buffer, length, epoch, null)))
        {
            ArrayPool<byte>.Shared.Return(buffer);
            Cancel(length);
        }
    }

    /// <summary>Completes once every copy queued before the call is in the store (or refused by it).</summary>
    public Task DrainAsync()
    {
        var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return TryAdd(new Copy(0, null, 0, 0, drained)) ? drained.Task : Task.CompletedTask;
    }

    /// <summary>Stops the writer; copies still queued are dropped, since the store goes away with the disk.</summary>
    public void Dispose()
    {
        bool started;
        lock (_startLock)
        {
            if (Interlocked.Exchange(ref _closing, 1) != 0)
                return;
            started = _started;
        }

        _queue.CompleteAdding();
        if (started)
            _writer.Join();
        _queue.Dispose();
    }

    private bool TryAdd(Copy copy)
    {
        if (!Volatile.Read(ref _started))
            Start();
        try
        {
            return _queue.TryAdd(copy);
        }
        catch (InvalidOperationException)
        {
            return false; // closed meanwhile (or disposed: ObjectDisposedException derives from it): the disk is going away
        }
    }

    private void Start()
    {
        lock (_startLock)
        {
            if (_started || Volatile.Read(ref _closing) != 0)
                return;
            _writer.Start();
            Volatile.Write(ref _started, true);
        }
    }

    private void Write()
    {
        foreach (var copy in _queue.GetConsumingEnumerable())
        {
            if (copy.Drained is { } drained)
            {
                drained.TrySetResult();
                continue;
            }

            try
            {
                if (Volatile.Read(ref _closing) == 0
                    && !_store.TryStore(copy.FirstCluster, copy.Buffer.AsSpan(0, copy.Length), copy.Epoch) && !_store.HasRoom)
                {
                    _full();
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A copy is only an accelerator: its clusters are read from the base again.
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(copy.Buffer!);
                Interlocked.Add(ref _queuedBytes, -copy.Length);
            }
        }
    }

    private readonly record struct Copy(long FirstCluster, byte[]? Buffer, int Length, long Epoch, TaskCompletionSource? Drained);
}
