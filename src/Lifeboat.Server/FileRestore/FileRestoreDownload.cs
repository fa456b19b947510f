namespace Lifeboat.Server.FileRestore;

/// <summary>A download of a file-restore session: what it sends, how far it has got, and how it ended.</summary>
public sealed class FileRestoreDownload
{
    private long _bytesDone;
    private string _currentPath;
    private DateTimeOffset? _endedAt;
    private string? _error;

    internal FileRestoreDownload(string id, IReadOnlyList<string> paths, string format, DateTimeOffset startedAt)
    {
        Id = id;
        Paths = paths;
        Format = format;
        StartedAt = startedAt;
        _currentPath = paths.Count > 0 ? paths[0] : "";
    }

    public string Id { get; }

    /// <summary>The paths asked for, as <c>FS:/PATH</c> texts.</summary>
    public IReadOnlyList<string> Paths { get; }

    /// <summary><c>tar.zst</c>, <c>zip</c>, <c>tar</c> or <c>raw</c>.</summary>
    public string Format { get; }

    public DateTimeOffset StartedAt { get; }

    /// <summary>Bytes sent to the client so far.</summary>
    public long BytesDone => Interlocked.Read(ref _bytesDone);

    /// <summary>The path being read now, as <c>FS:/PATH</c> text.</summary>
    public string CurrentPath => Volatile.Read(ref _currentPath);

    public DateTimeOffset? EndedAt
    {
        get
        {
            lock (this)
                return _endedAt;
        }
    }

    /// <summary>Why it failed, or null.</summary>
    public string? Error
    {
        get
        {
            lock (this)
                return _error;
        }
    }

    /// <summary>Counts bytes sent.</summary>
    public void Add(long bytes) => Interlocked.Add(ref _bytesDone, bytes);

    /// <summary>Says which path is being read now.</summary>
    public void Reading(string path) => Volatile.Write(ref _currentPath, path);

    internal void End(DateTimeOffset at, string? error)
    {
        lock (this)
        {
            _endedAt = at;
            _error = error;
        }
    }
}
