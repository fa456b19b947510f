using Lifeboat.Nfs.Nfs3;
using Lifeboat.Nfs.Datastore;
using Microsoft.Win32.SafeHandles;

namespace Lifeboat.Nfs.Tests.Support;

/// <summary>A raw image file served as a disk: for the tests with real clients and large disks.</summary>
internal sealed class FileDisk(string path) : IDatastoreDisk, IDisposable
{
    private readonly SafeFileHandle _handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite);

    public long Length => RandomAccess.GetLength(_handle);

    public ulong WriteVerifier { get; } = (ulong)Environment.TickCount64;

    public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var read = RandomAccess.Read(_handle, buffer.Span[total..], offset + total);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return ValueTask.FromResult(total);
    }

    public ValueTask<StableHow> WriteAsync(long offset, ReadOnlyMemory<byte> data, StableHow stability, CancellationToken cancellationToken)
    {
        RandomAccess.Write(_handle, data.Span, offset);
        if (stability != StableHow.Unstable)
        {
            RandomAccess.FlushToDisk(_handle);
        }

        return ValueTask.FromResult(stability);
    }

    public ValueTask CommitAsync(CancellationToken cancellationToken)
    {
        RandomAccess.FlushToDisk(_handle);
        return ValueTask.CompletedTask;
    }

    public ValueTask SetLengthAsync(long length, CancellationToken cancellationToken)
    {
        RandomAccess.SetLength(_handle, length);
        return ValueTask.CompletedTask;
    }

    public void Dispose() => _handle.Dispose();
}
