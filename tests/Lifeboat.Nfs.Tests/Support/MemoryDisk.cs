using System.Security.Cryptography;
using Lifeboat.Nfs.Nfs3;
using Lifeboat.Nfs.Datastore;

namespace Lifeboat.Nfs.Tests.Support;

/// <summary>A disk held in memory, with the write and commit bookkeeping a test can check.</summary>
internal sealed class MemoryDisk : IDatastoreDisk
{
    private readonly Lock _lock = new();
    private byte[] _data;

    public MemoryDisk(byte[] content)
    {
        _data = content;
        WriteVerifier = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
    }

    public static MemoryDisk Random(int length, int seed)
    {
        var content = new byte[length];
        new Random(seed).NextBytes(content);
        return new MemoryDisk(content);
    }

    public long Length
    {
        get
        {
            lock (_lock)
            {
                return _data.Length;
            }
        }
    }

    public ulong WriteVerifier { get; }

    public int Commits { get; private set; }

    public StableHow? LastStability { get; private set; }

    public byte[] Snapshot()
    {
        lock (_lock)
        {
            return (byte[])_data.Clone();
        }
    }

    public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var count = (int)Math.Clamp(_data.Length - offset, 0, buffer.Length);
            _data.AsSpan((int)offset, count).CopyTo(buffer.Span);
            return ValueTask.FromResult(count);
        }
    }

    public ValueTask<StableHow> WriteAsync(long offset, ReadOnlyMemory<byte> data, StableHow stability, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            data.Span.CopyTo(_data.AsSpan((int)offset));
            LastStability = stability;
            return ValueTask.FromResult(stability);
        }
    }

    public ValueTask CommitAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            Commits++;
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask SetLengthAsync(long length, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            Array.Resize(ref _data, (int)length);
        }

        return ValueTask.CompletedTask;
    }
}
