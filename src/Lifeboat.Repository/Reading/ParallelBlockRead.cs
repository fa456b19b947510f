namespace Lifeboat.Repository.Reading;

/// <summary>
/// Decodes the blocks of one large read on several cores. The caller takes blocks in turn with helpers queued on the
/// thread pool, each claiming the next block with one interlocked increment, so a helper that starts late finds
/// nothing left instead of delaying the read; the caller returns once every claimed block is written.
/// </summary>
internal sealed class ParallelBlockRead : IThreadPoolWorkItem
{
    private readonly IBlockPartReader _reader;
    private readonly long _offset;
    private readonly Memory<byte> _destination;
    private readonly int _blockShift;
    private readonly int _blocks;
    private readonly BlockCaching _caching;
    private int _next;
    private int _finished;
    private Exception? _error;

    private ParallelBlockRead(IBlockPartReader reader, long offset, Memory<byte> destination, int blockShift, BlockCaching caching)
    {
        _reader = reader;
        _offset = offset;
        _destination = destination;
        _blockShift = blockShift;
        _caching = caching;
        _blocks = (int)(((offset + destination.Length - 1) >> blockShift) - (offset >> blockShift) + 1);
    }

    /// <summary>Fills <paramref name="destination"/> from <paramref name="offset"/> with up to <paramref name="workers"/> threads, the caller's included.</summary>
    public static void Run(IBlockPartReader reader, long offset, Memory<byte> destination, int blockShift, int workers, BlockCaching caching)
    {
        var read = new ParallelBlockRead(reader, offset, destination, blockShift, caching);
        int helpers = Math.Min(workers, read._blocks) - 1;
        for (int i = 0; i < helpers; i++)
        {
            ThreadPool.UnsafeQueueUserWorkItem(read, preferLocal: false);
        }

        read.Work();
        read.WaitForClaimedBlocks();
        if (read._error is { } error)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        }
    }

    void IThreadPoolWorkItem.Execute() => Work();

    private void Work()
    {
        long firstBlock = _offset >> _blockShift;
        long end = _offset + _destination.Length;
        while (true)
        {
            int index = Interlocked.Increment(ref _next) - 1;
            if (index >= _blocks)
            {
                return;
            }

            try
            {
                long start = Math.Max(_offset, (firstBlock + index) << _blockShift);
                long stop = Math.Min(end, (firstBlock + index + 1) << _blockShift);
                _reader.ReadBlockPart(start, _destination.Span.Slice((int)(start - _offset), (int)(stop - start)), _caching);
            }
            catch (Exception ex)
            {
                Interlocked.CompareExchange(ref _error, ex, null);
            }
            finally
            {
                if (Interlocked.Increment(ref _finished) == _blocks)
                {
                    lock (this)
                    {
                        Monitor.PulseAll(this);
                    }
                }
            }
        }
    }

    private void WaitForClaimedBlocks()
    {
        if (Volatile.Read(ref _finished) == _blocks)
        {
            return;
        }

        lock (this)
        {
            while (Volatile.Read(ref _finished) < _blocks)
            {
                Monitor.Wait(this);
            }
        }
    }
}
