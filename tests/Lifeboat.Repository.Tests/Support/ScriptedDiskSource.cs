using Lifeboat.Repository.DiskImages;

namespace Lifeboat.Repository.Tests.Support;

/// <summary>An in-memory disk that can be told to fail after some bytes, like a file that vanishes mid-backup.</summary>
internal sealed class ScriptedDiskSource : IDiskSource
{
    private readonly byte[] _content;
    private readonly string _path;
    private long _budget;

    public ScriptedDiskSource(string path, byte[] content, long failAfterBytes = long.MaxValue)
    {
        _path = path;
        _content = content;
        _budget = failAfterBytes;
    }

    public long Length => _content.Length;

    public string Format => "raw";

    public int Read(long offset, Span<byte> buffer)
    {
        if (Interlocked.Add(ref _budget, -buffer.Length) < 0)
        {
            throw new DiskSourceException($"Disk file '{_path}' vanished or shrank during the backup; nothing of this backup was kept.");
        }

        int count = (int)Math.Max(0, Math.Min(buffer.Length, _content.Length - offset));
        _content.AsSpan((int)offset, count).CopyTo(buffer);
        return count;
    }

    public IEnumerable<(long Offset, long Length)> GetAllocatedRanges()
    {
        yield return (0, _content.Length);
    }

    public void Dispose()
    {
    }
}
