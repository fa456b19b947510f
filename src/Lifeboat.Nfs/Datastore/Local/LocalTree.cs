using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Lifeboat.Nfs.Datastore.Local;

/// <summary>
/// The real folder holding what clients create in one publication (lock, log, swap and snapshot files, folders,
/// symbolic links). Paths are relative to the folder ("" is the folder itself, "a/b" below it) and every operation
/// walks them with <see cref="LocalWalker"/>, so nothing outside the folder is ever touched. Every operation answers
/// the errno of the call that failed (<see cref="Errno.None"/> when all went well); the NFS layer decides what a
/// client sees for it.
/// </summary>
/// <remarks>
/// Clients hold handles built from inode numbers. The inode-to-path map (<see cref="LocalInodeMap"/>) is only a cache,
/// checked against the file system on every use and rebuilt by a bounded scan of the folder when it is wrong (after
/// a restart of the server, or a change behind its back), one scan at a time and at most at its rate.
/// </remarks>
internal sealed class LocalTree : IDisposable
{
    private const int MaxScannedEntries = 200_000;
    private const uint PermissionBits = 0xFFF;

    /// <summary>PATH_MAX: no symbolic link's target is longer.</summary>
    private const int MaxLinkTarget = 4096;

    private readonly LocalWalker _walker;
    private readonly uint _devMajor;
    private readonly uint _devMinor;
    private readonly LocalInodeMap _inodes;
    private readonly Lock _rescanLock = new();

    private LocalTree(string rootPath, SafeFileHandle root, in LocalStat rootStat, TimeSpan minRescanInterval, TimeProvider time)
    {
        _inodes = new LocalInodeMap(MaxScannedEntries, minRescanInterval, time);
        _walker = new LocalWalker(root);
        Files = new LocalFiles(_walker);
        RootPath = rootPath;
        _devMajor = rootStat.DevMajor;
        _devMinor = rootStat.DevMinor;
        RootInode = rootStat.Inode;
    }

    public string RootPath { get; }

    public ulong RootInode { get; }

    /// <summary>Reads and writes of the regular files in the folder.</summary>
    public LocalFiles Files { get; }

    /// <summary>How many scans of the folder rebuilt the inode map.</summary>
    public long Rescans => _inodes.Rescans;

    /// <summary>Creates <paramref name="rootPath"/> when missing and opens it.</summary>
    public static LocalTree Open(string rootPath, TimeSpan minRescanInterval, TimeProvider time)
    {
        Directory.CreateDirectory(rootPath);
        var root = LibC.open(rootPath, LibC.ORdOnly | LibC.ODirectory | LibC.OCloExec, 0);
        if (root.IsInvalid)
        {
            var errno = LibC.LastError;
            root.Dispose();
            throw new IOException($"Cannot open the client files folder '{rootPath}' (errno {(int)errno}); check that it exists and that the server may read it.");
        }

        var statted = LocalWalker.StatAt(root, string.Empty, LibC.AtEmptyPath, out var rootStat);
        if (statted != Errno.None)
        {
            root.Dispose();
            throw new IOException($"Cannot read the attributes of '{rootPath}' (errno {(int)statted}); the datastore needs a Linux file system.");
        }

        var tree = new LocalTree(rootPath, root, rootStat, minRescanInterval, time);
        if (!Directory.EnumerateFileSystemEntries(rootPath).Any())
        {
            // A new publication's empty folder: the map is whole from the start, and no handle needs a scan.
            tree._inodes.Replace([], complete: true);
        }

        return tree;
    }

    public static string Combine(string directory, string name) => LocalWalker.Combine(directory, name);

    public static string ParentOf(string path) => LocalWalker.ParentOf(path);

    public Errno Stat(string path, out LocalStat stat) => _walker.Stat(path, out stat);

    public Errno Lookup(string directory, string name, out string path, out LocalStat stat)
    {
        path = Combine(directory, name);
        var errno = Stat(path, out stat);
        if (errno == Errno.None)
        {
            _inodes.Remember(stat.Inode, path);
        }

        return errno;
    }

    /// <summary>
    /// Finds the object a handle names: ESTALE when it no longer exists, EAGAIN (try again later) when finding out
    /// needs a scan of the folder and the scan's rate limit holds.
    /// </summary>
    public Errno Resolve(ulong inode, uint generation, out string path, out LocalStat stat)
    {
        if (TryRemembered(inode, generation, out path, out stat))
        {
            return Errno.None;
        }

        if (_inodes.IsUnknown(inode))
        {
            return Errno.Stale;
        }

        var seen = _inodes.Rescans;
        lock (_rescanLock)
        {
            // Who waited here while another scan ran uses that scan's map.
            if (_inodes.Rescans == seen)
            {
                if (!_inodes.TryStartRescan())
                {
                    return Errno.Again;
                }

                Rescan();
            }
        }

        return TryRemembered(inode, generation, out path, out stat) ? Errno.None : Errno.Stale;
    }

    public Errno List(string directory, List<(string Name, LocalStat Stat)> entries)
    {
        var errno = _walker.OpenDirectory(directory, LibC.ORdOnly, out var dir);
        if (errno != Errno.None)
        {
            return errno;
        }

        using (dir)
        {
            var names = new List<string>();
            errno = LocalDirectoryReader.ReadNames(dir, names);
            if (errno != Errno.None)
            {
                return errno;
            }

            foreach (var name in names)
            {
                // An entry removed since getdents is simply left out.
                if (LocalWalker.StatAt(dir, name, LibC.AtSymlinkNoFollow, out var stat) == Errno.None)
                {
                    entries.Add((name, stat));
                    _inodes.Remember(stat.Inode, Combine(directory, name));
                }
            }
        }

        return Errno.None;
    }

    public Errno CreateFile(string directory, string name, bool exclusive, uint mode, out string path, out LocalStat stat)
    {
        var flags = LibC.ORdWr | LibC.OCreat | LibC.ONoFollow | LibC.OCloExec | (exclusive ? LibC.OExcl : 0);
        return MakeEntry(directory, name, out path, out stat, (dir, entry) =>
        {
            // Stat what was opened, not the name, which another call may already have replaced.
            using var file = LibC.openat(dir, entry, flags, mode & PermissionBits);
            return file.IsInvalid ? (LibC.LastError, default) : StatOf(file);
        });
    }

    public Errno MakeDirectory(string directory, string name, uint mode, out string path, out LocalStat stat) =>
        MakeEntry(directory, name, out path, out stat, (dir, entry) =>
            LibC.mkdirat(dir, entry, mode & PermissionBits) != 0 ? (LibC.LastError, default) : StatOf(dir, entry));

    public Errno MakeSymlink(string directory, string name, string target, out string path, out LocalStat stat) =>
        MakeEntry(directory, name, out path, out stat, (dir, entry) =>
            LibC.symlinkat(target, dir, entry) != 0 ? (LibC.LastError, default) : StatOf(dir, entry));

    /// <summary>REMOVE (a non-folder) or RMDIR (an empty folder): ENOTDIR or EISDIR when the object is the other kind.</summary>
    public Errno Remove(string directory, string name, bool isDirectory)
    {
        var errno = _walker.OpenDirectory(directory, LocalWalker.PathOnly, out var dir);
        if (errno != Errno.None)
        {
            return errno;
        }

        using (dir)
        {
            errno = LocalWalker.StatAt(dir, name, LibC.AtSymlinkNoFollow, out var stat);
            if (errno != Errno.None)
            {
                return errno;
            }

            if (isDirectory != (stat.Type == LocalFileType.Directory))
            {
                return isDirectory ? Errno.NotDir : Errno.IsDir;
            }

            if (LibC.unlinkat(dir, name, isDirectory ? LibC.AtRemoveDir : 0) != 0)
            {
                return LibC.LastError;
            }

            _inodes.Forget(stat.Inode);
            return Errno.None;
        }
    }

    public Errno Rename(string fromDirectory, string fromName, string toDirectory, string toName)
    {
        var errno = _walker.OpenDirectory(fromDirectory, LocalWalker.PathOnly, out var from);
        if (errno != Errno.None)
        {
            return errno;
        }

        using (from)
        {
            errno = _walker.OpenDirectory(toDirectory, LocalWalker.PathOnly, out var to);
            if (errno != Errno.None)
            {
                return errno;
            }

            using (to)
            {
                var replaces = LocalWalker.StatAt(to, toName, LibC.AtSymlinkNoFollow, out var replaced) == Errno.None;
                if (LibC.renameat(from, fromName, to, toName) != 0)
                {
                    return LibC.LastError;
                }

                if (LocalWalker.StatAt(to, toName, LibC.AtSymlinkNoFollow, out var moved) == Errno.None)
                {
                    if (replaces && replaced.Inode != moved.Inode)
                    {
                        _inodes.Forget(replaced.Inode);
                    }

                    _inodes.Moved(moved.Inode, Combine(fromDirectory, fromName), Combine(toDirectory, toName), moved.Type == LocalFileType.Directory);
                }

                return Errno.None;
            }
        }
    }

    /// <summary>The target of a symbolic link; ENAMETOOLONG for one longer than PATH_MAX.</summary>
    public Errno ReadLink(string path, out string target)
    {
        target = string.Empty;
        var errno = _walker.OpenParent(path, out var parent, out var name);
        if (errno != Errno.None)
        {
            return errno;
        }

        using (parent)
        {
            var buffer = new byte[MaxLinkTarget + 1];
            var length = LibC.readlinkat(parent, name, buffer, buffer.Length);
            if (length < 0)
            {
                return LibC.LastError;
            }

            if (length > MaxLinkTarget)
            {
                return Errno.NameTooLong;
            }

            target = Encoding.UTF8.GetString(buffer, 0, (int)length);
            return Errno.None;
        }
    }

    /// <summary>Applies SETATTR's mode, owner and times (not size: <see cref="LocalFiles.Truncate"/> does that).</summary>
    public Errno SetAttributes(string path, LocalFileType type, in LocalAttributeChange change) =>
        LocalAttributeWriter.Apply(_walker, path, type, change);

    public void Dispose() => _walker.Dispose();

    /// <summary>Creates <paramref name="name"/> in <paramref name="directory"/> with a *at call that also stats it, then remembers it.</summary>
    private Errno MakeEntry(string directory, string name, out string path, out LocalStat stat, Func<SafeFileHandle, string, (Errno, LocalStat)> make)
    {
        path = Combine(directory, name);
        stat = default;
        var errno = _walker.OpenDirectory(directory, LocalWalker.PathOnly, out var dir);
        if (errno != Errno.None)
        {
            return errno;
        }

        using (dir)
        {
            (errno, stat) = make(dir, name);
        }

        if (errno == Errno.None)
        {
            _inodes.Remember(stat.Inode, path);
        }

        return errno;
    }

    private static (Errno, LocalStat) StatOf(SafeFileHandle file) =>
        (LocalWalker.StatAt(file, string.Empty, LibC.AtEmptyPath, out var stat), stat);

    private static (Errno, LocalStat) StatOf(SafeFileHandle dir, string name) =>
        (LocalWalker.StatAt(dir, name, LibC.AtSymlinkNoFollow, out var stat), stat);

    private bool TryRemembered(ulong inode, uint generation, out string path, out LocalStat stat)
    {
        stat = default;
        if (!_inodes.TryGet(inode, out path))
        {
            return false;
        }

        return Stat(path, out stat) == Errno.None
            && stat.Inode == inode
            && stat.Generation == generation
            && stat.DevMajor == _devMajor
            && stat.DevMinor == _devMinor;
    }

    private void Rescan()
    {
        var found = new Dictionary<ulong, string>();
        var pending = new Queue<string>();
        pending.Enqueue(string.Empty);
        var entries = new List<(string Name, LocalStat Stat)>();
        var unlisted = false;
        while (pending.Count > 0 && found.Count < MaxScannedEntries)
        {
            var directory = pending.Dequeue();
            entries.Clear();
            if (List(directory, entries) != Errno.None)
            {
                unlisted = true;
                continue;
            }

            foreach (var (name, stat) in entries)
            {
                var path = Combine(directory, name);
                found[stat.Inode] = path;
                if (stat.Type == LocalFileType.Directory && stat.DevMajor == _devMajor && stat.DevMinor == _devMinor)
                {
                    pending.Enqueue(path);
                }
            }
        }

        _inodes.Replace(found, complete: !unlisted && pending.Count == 0 && found.Count < MaxScannedEntries);
    }
}
