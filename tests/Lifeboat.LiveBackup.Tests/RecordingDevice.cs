using System.Collections.Concurrent;
using Lifeboat.Nbd.Server;

namespace Lifeboat.LiveBackup.Tests;

/// <summary>A read-only disk in memory whose every byte is known (<see cref="ByteAt"/>), recording the reads it serves.</summary>
internal sealed class RecordingDevice(long size) : INbdBlockDevice
{
    private readonly ConcurrentQueue<(long Offset, int Length)> _reads = new();

    public long Size => size;

    public bool IsReadOnly => true;

    /// <summary>The reads served so far, in the order they came.</summary>
    public IReadOnlyList<(long Offset, int Length)> Reads => [.. _reads];

    public static byte ByteAt(long offset) => (byte)((offset / 4096 * 7) + (offset % 251));

    public ValueTask ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var span = destination.Span;
        for (var i = 0; i < span.Length; i++)
            span[i] = ByteAt(offset + i);
        _reads.Enqueue((offset, destination.Length));
        return ValueTask.CompletedTask;
    }

    public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, bool fua, CancellationToken cancellationToken) =>
        throw new NotSupportedException("The recording device is read-only.");

    public ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask WriteZeroesAsync(long offset, long length, bool mayPunchHole, CancellationToken cancellationToken) =>
        throw new NotSupportedException("The recording device is read-only.");
}
