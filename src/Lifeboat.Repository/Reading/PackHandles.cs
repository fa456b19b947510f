using Microsoft.Win32.SafeHandles;

namespace Lifeboat.Repository.Reading;

/// <summary>Pack files opened once, lazily, and shared by every reader (RandomAccess reads are positional, so thread-safe).</summary>
internal sealed class PackHandles : IDisposable
{
    private readonly string[] _paths;
    private readonly SafeFileHandle?[] _handles;
    private bool _disposed;

    public PackHandles(IReadOnlyList<string> paths)
    {
        _paths = [.. paths];
        _handles = new SafeFileHandle?[_paths.Length];
    }

    public string PathOf(int pack) => _paths[pack];

    /// <summary>The open handle of a pack; throws FileNotFoundException when the pack is gone.</summary>
    public SafeFileHandle Get(int pack)
    {
        var handle = Volatile.Read(ref _handles[pack]);
        if (handle is not null)
        {
            return handle;
        }

        ObjectDisposedException.ThrowIf(_disposed, this);
        var opened = File.OpenHandle(_paths[pack], FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var winner = Interlocked.CompareExchange(ref _handles[pack], opened, null);
        if (winner is not null)
        {
            opened.Dispose();
            return winner;
        }

        return opened;
    }

    public void Dispose()
    {
        _disposed = true;
        for (int i = 0; i < _handles.Length; i++)
        {
            Interlocked.Exchange(ref _handles[i], null)?.Dispose();
        }
    }
}
