namespace Lifeboat.Nfs.Datastore.Local;

/// <summary>
/// Where each object a client holds a handle for lives: inode number to path below the client files folder. Handles
/// are not authenticated, so any client can send any inode: an unknown one must not cost a walk of the folder each
/// time. Every object a client can name came to it through LOOKUP, READDIR or a create, each of which records it here,
/// and renames made through the server move the paths below them; so once a scan has seen the whole folder, an inode
/// missing from the map names nothing and is stale at no cost. A scan is needed only after a start (the map is
/// empty), when the map overflowed, or when the folder changed behind the server's back; then one scan runs at a time
/// and scans start at most once per <see cref="MinRescanInterval"/>.
/// </summary>
internal sealed class LocalInodeMap(int capacity, TimeSpan minRescanInterval, TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<ulong, string> _paths = [];
    private bool _complete;
    private long _lastRescanStart;
    private long _rescans;

    public TimeSpan MinRescanInterval => minRescanInterval;

    /// <summary>How many scans of the folder ran; tests and the log read it.</summary>
    public long Rescans => Interlocked.Read(ref _rescans);

    public bool TryGet(ulong inode, out string path)
    {
        lock (_lock)
        {
            return _paths.TryGetValue(inode, out path!);
        }
    }

    /// <summary>True when <paramref name="inode"/> cannot name an object: the map holds everything and not it.</summary>
    public bool IsUnknown(ulong inode)
    {
        lock (_lock)
        {
            return _complete && !_paths.ContainsKey(inode);
        }
    }

    public void Remember(ulong inode, string path)
    {
        lock (_lock)
        {
            if (_paths.Count < capacity || _paths.ContainsKey(inode))
            {
                _paths[inode] = path;
            }
            else
            {
                _complete = false;
            }
        }
    }

    public void Forget(ulong inode)
    {
        lock (_lock)
        {
            _paths.Remove(inode);
        }
    }

    /// <summary>A rename through the server: the object and, for a folder, everything below it change path.</summary>
    public void Moved(ulong inode, string from, string to, bool isDirectory)
    {
        lock (_lock)
        {
            _paths[inode] = to;
            if (!isDirectory)
            {
                return;
            }

            var prefix = from + "/";
            List<(ulong Inode, string Path)>? moved = null;
            foreach (var (below, path) in _paths)
            {
                if (path.StartsWith(prefix, StringComparison.Ordinal))
                {
                    (moved ??= []).Add((below, to + path[from.Length..]));
                }
            }

            foreach (var (below, path) in moved ?? [])
            {
                _paths[below] = path;
            }
        }
    }

    /// <summary>True when a scan may start now (and counts it as started); false while the rate limit holds.</summary>
    public bool TryStartRescan()
    {
        lock (_lock)
        {
            var now = time.GetTimestamp();
            if (_rescans > 0 && time.GetElapsedTime(_lastRescanStart, now) < minRescanInterval)
            {
                return false;
            }

            _lastRescanStart = now;
            Interlocked.Increment(ref _rescans);
            return true;
        }
    }

    /// <summary>Replaces the map with what a scan found; <paramref name="complete"/> when it saw the whole folder.</summary>
    public void Replace(Dictionary<ulong, string> found, bool complete)
    {
        lock (_lock)
        {
            _paths.Clear();
            foreach (var (inode, path) in found)
            {
                _paths[inode] = path;
            }

            _complete = complete;
        }
    }
}
