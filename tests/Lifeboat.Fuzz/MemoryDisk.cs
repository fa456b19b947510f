using Lifeboat.Nfs.Nfs3;
using Lifeboat.Nfs.Datastore;

namespace Lifeboat.Fuzz;

/// <summary>A published disk held in memory: the fuzz run's WRITEs and READs of disk0.raw stay in its bytes.</summary>
internal sealed class MemoryDisk(int size) : IDatastoreDisk
{
    private readonly byte[] _data = new byte[size];
    private readonly Lock _lock = new();

    public long Length => _data.Length;

    public ulong WriteVerifier => 1;

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
            return ValueTask.FromResult(stability);
        }
    }

    public ValueTask CommitAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask SetLengthAsync(long length, CancellationToken cancellationToken) =>
        throw new NotSupportedException("A disk's length is fixed.");
}
