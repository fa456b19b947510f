using Lifeboat.Nbd.Client;
using Lifeboat.Nbd.Protocol;
using Lifeboat.Nbd.Server;

namespace Lifeboat.Nbd.Tests;

/// <summary>
/// A sparse in-memory device of 64 KiB blocks: blocks never written are holes that read as zeroes, which makes
/// its <c>base:allocation</c> answer easy to predict. Can fail reads in a range, and delay requests at random to
/// make replies leave out of order.
/// </summary>
internal sealed class MemoryBlockDevice : INbdBlockDevice
{
    public const int BlockSize = 64 * 1024;

    private readonly Dictionary<long, byte[]> _blocks = [];
    private readonly Lock _lock = new();
    private readonly Random _random = new(7);

    public MemoryBlockDevice(long size, bool readOnly = false)
    {
        Size = size;
        IsReadOnly = readOnly;
    }

    public long Size { get; }

    public bool IsReadOnly { get; }

    public bool CanTrim => true;

    /// <summary>Reads touching this range throw, as a failing disk would.</summary>
    public (long Offset, long Length)? FailingReads { get; set; }

    /// <summary>Delay each request by up to this many milliseconds, asynchronously.</summary>
    public int MaxDelayMilliseconds { get; set; }

    public int Flushes { get; private set; }

    public int FuaWrites { get; private set; }

    public async ValueTask ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        await DelayAsync(cancellationToken);
        if (FailingReads is var (failOffset, failLength) && offset < failOffset + failLength && failOffset < offset + destination.Length)
        {
            throw new IOException($"Simulated medium error at {failOffset}.");
        }

        lock (_lock)
        {
            ForEachBlock(offset, destination.Length, (block, within, position, count) =>
            {
                var target = destination.Span.Slice(position, count);
                if (_blocks.TryGetValue(block, out var data))
                {
                    data.AsSpan(within, count).CopyTo(target);
                }
                else
                {
                    target.Clear();
                }
            });
        }
    }

    public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, bool fua, CancellationToken cancellationToken)
    {
        await DelayAsync(cancellationToken);
        lock (_lock)
        {
            FuaWrites += fua ? 1 : 0;
            ForEachBlock(offset, data.Length, (block, within, position, count) =>
                data.Span.Slice(position, count).CopyTo(Block(block).AsSpan(within, count)));
        }
    }

    public ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            Flushes++;
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask TrimAsync(long offset, long length, CancellationToken cancellationToken) => Zero(offset, length, mayPunchHole: true);

    public ValueTask WriteZeroesAsync(long offset, long length, bool mayPunchHole, CancellationToken cancellationToken) => Zero(offset, length, mayPunchHole);

    public ValueTask GetAllocationAsync(long offset, long length, int maxExtents, IList<NbdExtent> extents, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var end = Math.Min(offset + length, Size);
            for (var position = offset; position < end && extents.Count < maxExtents;)
            {
                var block = position / BlockSize;
                var next = Math.Min((block + 1) * BlockSize, Size);
                var flags = _blocks.ContainsKey(block) ? 0u : (uint)(NbdAllocationFlags.Hole | NbdAllocationFlags.Zero);
                if (extents.Count > 0 && extents[^1].Flags == flags)
                {
                    extents[^1] = extents[^1] with { Length = next - extents[^1].Offset };
                }
                else
                {
                    extents.Add(new NbdExtent(position, next - position, flags));
                }

                position = next;
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>A copy of the whole device.</summary>
    public byte[] Snapshot()
    {
        var copy = new byte[Size];
        ReadAsync(0, copy, default).AsTask().GetAwaiter().GetResult();
        return copy;
    }

    private ValueTask Zero(long offset, long length, bool mayPunchHole)
    {
        lock (_lock)
        {
            ForEachBlock(offset, length, (block, within, _, count) =>
            {
                if (mayPunchHole && count == BlockSize)
                {
                    _blocks.Remove(block);
                }
                else if (_blocks.TryGetValue(block, out var data))
                {
                    data.AsSpan(within, count).Clear();
                }
                else if (!mayPunchHole)
                {
                    Block(block);
                }
            });
        }

        return ValueTask.CompletedTask;
    }

    private byte[] Block(long block)
    {
        if (!_blocks.TryGetValue(block, out var data))
        {
            data = new byte[BlockSize];
            _blocks[block] = data;
        }

        return data;
    }

    private static void ForEachBlock(long offset, long length, Action<long, int, int, int> action)
    {
        var position = 0L;
        while (position < length)
        {
            var absolute = offset + position;
            var within = (int)(absolute % BlockSize);
            var count = (int)Math.Min(BlockSize - within, length - position);
            action(absolute / BlockSize, within, (int)position, count);
            position += count;
        }
    }

    private async ValueTask DelayAsync(CancellationToken cancellationToken)
    {
        if (MaxDelayMilliseconds > 0)
        {
            int delay;
            lock (_lock)
            {
                delay = _random.Next(MaxDelayMilliseconds + 1);
            }

            await Task.Delay(delay, cancellationToken);
        }
    }
}
