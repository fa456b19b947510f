using System.Buffers;
using System.Runtime.CompilerServices;
using Lifeboat.Disks.Hydration;

namespace Lifeboat.Disks.BaseReads;

/// <summary>
/// Reads a published disk's base (the restore point): runs of clusters neither written nor hydrated, the copies it
/// hands to hydration, and a failure's damaged chunk. A read that must decode leaves the caller's thread first.
/// </summary>
internal sealed class BaseReader(IBaseDisk disk, bool leaveOpen, Hydrator? hydrator, DiskCounters counters, int clusterShift, string name) : IDisposable
{
    private readonly DamagedChunkReads _damagedChunks = new();

    /// <summary>The newest read of the backup that failed on a damaged or missing chunk, with a running count; null when none has.</summary>
    public DamagedChunkRead? LastDamagedChunk => _damagedChunks.Newest;

    /// <summary>True when the base knows, without reading, that the range reads as zeroes.</summary>
    public bool IsKnownZero(long offset, long length) => disk.IsKnownZero(offset, length);

    /// <summary>
    /// A run of clusters neither written nor hydrated; the part past what the base shows reads as zeros. To keep
    /// copies, the clusters go to the hydration writer, which stores them after this returns (or, when it is a whole
    /// queue behind, the read stores them itself).
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask ReadRunAsync(long offset, Memory<byte> run, long baseVisible, bool keepCopies, CancellationToken ct)
    {
        int shown = (int)Math.Clamp(baseVisible - offset, 0, run.Length);
        if (shown < run.Length)
            run.Span[shown..].Clear();
        if (shown == 0)
            return;
        var wanted = run[..shown];
        if (!keepCopies)
        {
            await ReadAsync(offset, wanted, BaseRead.Once, ct);
            return;
        }

        if (hydrator is not null && hydrator.TryPlanCopy(offset, shown, baseVisible, out var copy))
        {
            byte[] buffer = ArrayPool<byte>.Shared.Rent(copy.Length);
            try
            {
                await ReadAsync(copy.Start, buffer.AsMemory(0, copy.Length), BaseRead.Once, ct);
                buffer.AsSpan((int)(offset - copy.Start), shown).CopyTo(wanted.Span);
            }
            catch
            {
                ArrayPool<byte>.Shared.Return(buffer);
                hydrator.Cancel(copy);
                throw;
            }

            hydrator.Keep(copy, buffer);
            return;
        }

        await ReadAsync(offset, wanted, BaseRead.Cached, ct);
    }

    /// <summary>Copies clusters [<paramref name="firstCluster"/>, <paramref name="endCluster"/>) of the base into the hydration file.</summary>
    public async ValueTask HydrateAsync(long firstCluster, long endCluster, CancellationToken ct)
    {
        var into = hydrator!;
        long epoch = into.Epoch;
        int length = (int)((endCluster - firstCluster) << clusterShift);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            await ReadAsync(firstCluster << clusterShift, buffer.AsMemory(0, length), BaseRead.Once, ct);
            into.TryStore(firstCluster, buffer.AsSpan(0, length), epoch);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public void Dispose()
    {
        if (!leaveOpen)
            disk.Dispose();
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask ReadAsync(long offset, Memory<byte> destination, BaseRead kind, CancellationToken ct)
    {
        Interlocked.Increment(ref counters.BaseReads);
        Interlocked.Add(ref counters.BaseBytesRead, destination.Length);
        int total = 0;
        try
        {
            if (disk.MustDecode(offset, destination.Length))
            {
                // A decode is slow work: it leaves the caller's thread (an RPC or NBD connection's read loop) for the pool.
                await default(ThreadPoolHop);
            }

            while (total < destination.Length)
            {
                int n = kind == BaseRead.Once
                    ? await disk.ReadOnceAsync(offset + total, destination[total..], ct)
                    : await disk.ReadAsync(offset + total, destination[total..], ct);
                if (n <= 0)
                    throw new EndOfStreamException($"the backup ended after {offset + total} bytes although it is {disk.Length} bytes long");
                total += n;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _damagedChunks.Note(ex);
            throw new IOException($"The backup behind {name} could not be read at disk offset {offset + total} ({destination.Length - total} bytes): {ex.Message}", ex);
        }
    }
}
