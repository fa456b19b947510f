using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Lifeboat.Nfs.Nfs3;
using Microsoft.Win32.SafeHandles;

namespace Lifeboat.Nfs.Datastore.Local;

/// <summary>
/// The real folder holding what clients create in one publication (lock, log, swap and snapshot files, folders,
/// symbolic links). Paths are relative to the folder ("" is the folder itself, "a/b" below it) and every operation
/// walks them one component at a time from the folder's descriptor with O_NOFOLLOW, so no name, symbolic link or
/// concurrent rename can make the server touch anything outside the folder.
/// </summary>
/// <remarks>
/// Clients hold handles built from inode numbers. The inode-to-path map (<see cref="LocalInodeMap"/>) is only a cache,
/// checked against the file system on every use and rebuilt by a bounded scan of the folder when it is wrong (after
/// a restart of the server, or a change behind its back), one scan at a time and at most at its rate.
/// </remarks>
internal sealed class LocalTree : IDisposable
{
    public const int MaxEntriesPerDirectory = 100_000;
    private const int MaxScannedEntries = 200_000;
    private const int DirentBufferSize = 32 * 1024;
    private const uint StatxMask = StatxBuffer.MaskBasicStats | StatxBuffer.MaskBirthTime;

    private readonly SafeFileHandle _root;
    private readonly uint _devMajor;
    private readonly uint _devMinor;
    private readonly LocalInodeMap _inodes;
    private readonly Lock _rescanLock = new();

    private LocalTree(string rootPath, SafeFileHandle root, in LocalStat rootStat, TimeSpan minRescanInterval, TimeProvider time)
    {
        _inodes = new LocalInodeMap(MaxScannedEntries, minRescanInterval, time);
        RootPath = rootPath;
        _root = root;
        _devMajor = rootStat.DevMajor;
        _devMinor = rootStat.DevMinor;
        RootInode = rootStat.Inode;
    }

    public string RootPath { get; }

    public ulong RootInode { get; }

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
            throw new IOException($"Cannot open the client files folder '{rootPath}' (errno {errno}); check that it exists and that the server may read it.");
        }

        if (LibC.statx(root, string.Empty, LibC.AtEmptyPath, StatxMask, out var buffer) != 0)
        {
            var errno = LibC.LastError;
            root.Dispose();
            throw new IOException($"Cannot read the attributes of '{rootPath}' (errno {errno}); the datastore needs a Linux file system.");
        }

        var tree = new LocalTree(rootPath, root, LocalStat.From(buffer), minRescanInterval, time);
        if (!Directory.EnumerateFileSystemEntries(rootPath).Any())
        {
            // A new publication's empty folder: the map is whole from the start, and no handle needs a scan.
            tree._inodes.Replace([], complete: true);
        }

        return tree;
    }

    public static string Combine(string directory, string name) => directory.Length == 0 ? name : directory + "/" + name;

    public static string ParentOf(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash < 0 ? string.Empty : path[..slash];
    }

    public Nfs3Status Stat(string path, out LocalStat stat)
    {
        stat = default;
        if (path.Length == 0)
        {
            return StatAt(_root, string.Empty, LibC.AtEmptyPath, out stat);
        }

        var status = OpenParent(path, out var parent, out var name);
        if (status != Nfs3Status.Ok)
        {
            return status;
        }

        using (parent)
        {
            return StatAt(parent, name, LibC.AtSymlinkNoFollow, out stat);
        }
    }

    public Nfs3Status Lookup(string directory, string name, out string path, out LocalStat stat)
    {
        path = Combine(directory, name);
        var status = Stat(path, out stat);
        if (status == Nfs3Status.Ok)
        {
            Remember(stat.Inode, path);
        }

        return status;
    }

    /// <summary>
    /// Finds the object a handle names: NFS3ERR_STALE when it no longer exists, NFS3ERR_JUKEBOX (the client tries
    /// again later) when finding out needs a scan of the folder and the scan's rate limit holds.
    /// </summary>
    public Nfs3Status Resolve(ulong inode, uint generation, out string path, out LocalStat stat)
    {
        if (TryRemembered(inode, generation, out path, out stat))
        {
            return Nfs3Status.Ok;
        }

        if (_inodes.IsUnknown(inode))
        {
            return Nfs3Status.Stale;
        }

        var seen = _inodes.Rescans;
        lock (_rescanLock)
        {
            // Who waited here while another scan ran uses that scan's map.
            if (_inodes.Rescans == seen)
            {
                if (!_inodes.TryStartRescan())
                {
                    return Nfs3Status.Jukebox;
                }

                Rescan();
            }
        }

        return TryRemembered(inode, generation, out path, out stat) ? Nfs3Status.Ok : Nfs3Status.Stale;
    }

    public Nfs3Status List(string directory, List<(string Name, LocalStat Stat)> entries)
    {
        var status = OpenDirectory(directory, LibC.ORdOnly, out var dir);
        if (status != Nfs3Status.Ok)
        {
            return status;
        }

        using (dir)
        {
            var names = new List<string>();
            status = ReadNames(dir, names);
            if (status != Nfs3Status.Ok)
            {
                return status;
            }

            foreach (var name in names)
            {
                // An entry removed since getdents is simply left out.
                if (StatAt(dir, name, LibC.AtSymlinkNoFollow, out var stat) == Nfs3Status.Ok)
                {
                    entries.Add((name, stat));
                    Remember(stat.Inode, Combine(directory, name));
                }
            }
        }

        return Nfs3Status.Ok;
    }

    public Nfs3Status CreateFile(string directory, string name, bool exclusive, uint mode, out string path, out LocalStat stat)
    {
        path = Combine(directory, name);
        stat = default;
        var status = OpenDirectory(directory, OPath, out var dir);
        if (status != Nfs3Status.Ok)
        {
            return status;
        }

        using (dir)
        {
            var flags = LibC.ORdWr | LibC.OCreat | LibC.ONoFollow | LibC.OCloExec | (exclusive ? LibC.OExcl : 0);
            using var file = LibC.openat(dir, name, flags, mode & 0xFFF);
            if (file.IsInvalid)
            {
                return Errno.ToNfs3Status(LibC.LastError);
            }

            status = StatAt(file, string.Empty, LibC.AtEmptyPath, out stat);
        }

        if (status == Nfs3Status.Ok)
        {
            Remember(stat.Inode, path);
        }

        return status;
    }

    public Nfs3Status MakeDirectory(string directory, string name, uint mode, out string path, out LocalStat stat) =>
        MakeEntry(directory, name, (dir, entry) => LibC.mkdirat(dir, entry, mode & 0xFFF), out path, out stat);

    public Nfs3Status MakeSymlink(string directory, string name, string target, out string path, out LocalStat stat) =>
        MakeEntry(directory, name, (dir, entry) => LibC.symlinkat(target, dir, entry), out path, out stat);

    /// <summary>Creates <paramref name="name"/> in <paramref name="directory"/> with a *at call, then stats and remembers it.</summary>
    private Nfs3Status MakeEntry(string directory, string name, Func<SafeFileHandle, string, int> make, out string path, out LocalStat stat)
    {
        path = Combine(directory, name);
        stat = default;
        var status = OpenDirectory(directory, OPath, out var dir);
        if (status != Nfs3Status.Ok)
        {
            return status;
        }

        using (dir)
        {
            if (make(dir, name) != 0)
            {
                return Errno.ToNfs3Status(LibC.LastError);
            }

            status = StatAt(dir, name, LibC.AtSymlinkNoFollow, out stat);
        }

        if (status == Nfs3Status.Ok)
        {
            Remember(stat.Inode, path);
        }

        return status;
    }

    /// <summary>REMOVE (a non-folder) or RMDIR (an empty folder).</summary>
    public Nfs3Status Remove(string directory, string name, bool isDirectory)
    {
        var status = OpenDirectory(directory, OPath, out var dir);
        if (status != Nfs3Status.Ok)
        {
            return status;
        }

        using (dir)
        {
            status = StatAt(dir, name, LibC.AtSymlinkNoFollow, out var stat);
            if (status != Nfs3Status.Ok)
            {
                return status;
            }

            if (isDirectory != (stat.Type == Ftype3.Dir))
            {
                return isDirectory ? Nfs3Status.NotDir : Nfs3Status.IsDir;
            }

            if (LibC.unlinkat(dir, name, isDirectory ? LibC.AtRemoveDir : 0) != 0)
            {
                return Errno.ToNfs3Status(LibC.LastError);
            }

            Forget(stat.Inode);
            return Nfs3Status.Ok;
        }
    }

    public Nfs3Status Rename(string fromDirectory, string fromName, string toDirectory, string toName)
    {
        var status = OpenDirectory(fromDirectory, OPath, out var from);
        if (status != Nfs3Status.Ok)
        {
            return status;
        }

        using (from)
        {
            status = OpenDirectory(toDirectory, OPath, out var to);
            if (status != Nfs3Status.Ok)
            {
                return status;
            }

            using (to)
            {
                var replaces = StatAt(to, toName, LibC.AtSymlinkNoFollow, out var replaced) == Nfs3Status.Ok;
                if (LibC.renameat(from, fromName, to, toName) != 0)
                {
                    return Errno.ToNfs3Status(LibC.LastError);
                }

                if (StatAt(to, toName, LibC.AtSymlinkNoFollow, out var moved) == Nfs3Status.Ok)
                {
                    if (replaces && replaced.Inode != moved.Inode)
                    {
                        _inodes.Forget(replaced.Inode);
                    }

                    _inodes.Moved(moved.Inode, Combine(fromDirectory, fromName), Combine(toDirectory, toName), moved.Type == Ftype3.Dir);
                }

                return Nfs3Status.Ok;
            }
        }
    }

    public Nfs3Status ReadLink(string path, out string target)
    {
        target = string.Empty;
        var status = OpenParent(path, out var parent, out var name);
        if (status != Nfs3Status.Ok)
        {
            return status;
        }

        using (parent)
        {
            var buffer = new byte[Nfs3Constants.MaxPathLength + 1];
            var length = LibC.readlinkat(parent, name, buffer, buffer.Length);
            if (length < 0)
            {
                return Errno.ToNfs3Status(LibC.LastError);
            }

            if (length > Nfs3Constants.MaxPathLength)
            {
                return Nfs3Status.NameTooLong;
            }

            target = Encoding.UTF8.GetString(buffer, 0, (int)length);
            return Nfs3Status.Ok;
        }
    }

    /// <summary>Opens a regular file for I/O, checking it is still the object the handle named.</summary>
    public Nfs3Status OpenFile(string path, ulong inode, bool write, out SafeFileHandle file)
    {
        file = null!;
        var status = OpenParent(path, out var parent, out var name);
        if (status != Nfs3Status.Ok)
        {
            return status;
        }

        using (parent)
        {
            var opened = LibC.openat(parent, name, (write ? LibC.ORdWr : LibC.ORdOnly) | LibC.ONoFollow | LibC.OCloExec, 0);
            if (opened.IsInvalid)
            {
                var errno = LibC.LastError;
                opened.Dispose();
                return errno == 40 ? Nfs3Status.Inval : Errno.ToNfs3Status(errno);
            }

            status = StatAt(opened, string.Empty, LibC.AtEmptyPath, out var stat);
            if (status != Nfs3Status.Ok || stat.Inode != inode)
            {
                opened.Dispose();
                return status == Nfs3Status.Ok ? Nfs3Status.Stale : status;
            }

            if (stat.Type != Ftype3.Reg)
            {
                opened.Dispose();
                return stat.Type == Ftype3.Dir ? Nfs3Status.IsDir : Nfs3Status.Inval;
            }

            file = opened;
            return Nfs3Status.Ok;
        }
    }

    /// <summary>Applies SETATTR's mode, owner and times (not size: the caller truncates through an open file).</summary>
    public Nfs3Status SetAttributes(string path, Ftype3 type, in Sattr3 attributes, NfsTime3 now)
    {
        if (path.Length == 0)
        {
            return Nfs3Status.Acces;
        }

        var status = OpenParent(path, out var parent, out var name);
        if (status != Nfs3Status.Ok)
        {
            return status;
        }

        using (parent)
        {
            if (attributes.Mode is { } mode && type != Ftype3.Lnk)
            {
                status = ChangeMode(parent, name, type, mode & 0xFFF);
                if (status != Nfs3Status.Ok)
                {
                    return status;
                }
            }

            if (attributes.Uid.HasValue || attributes.Gid.HasValue)
            {
                if (LibC.fchownat(parent, name, attributes.Uid ?? uint.MaxValue, attributes.Gid ?? uint.MaxValue, LibC.AtSymlinkNoFollow) != 0)
                {
                    return Errno.ToNfs3Status(LibC.LastError);
                }
            }

            if (attributes.Atime.IsSet || attributes.Mtime.IsSet)
            {
                var times = new LibC.TimespecPair();
                (times.AccessSeconds, times.AccessNanoseconds) = ToTimespec(attributes.Atime, now);
                (times.ModifySeconds, times.ModifyNanoseconds) = ToTimespec(attributes.Mtime, now);
                if (LibC.utimensat(parent, name, times, LibC.AtSymlinkNoFollow) != 0)
                {
                    return Errno.ToNfs3Status(LibC.LastError);
                }
            }
        }

        return Nfs3Status.Ok;
    }

    public void Dispose() => _root.Dispose();

    private static int OPath => 0x200000 | LibC.ODirectory | LibC.ONoFollow | LibC.OCloExec;

    private static (long Seconds, long Nanoseconds) ToTimespec(SetTime3 time, NfsTime3 now) => time.How switch
    {
        TimeHow.DontChange => (0, LibC.UtimeOmit),
        TimeHow.SetToServerTime => (0, LibC.UtimeNow),
        _ => (time.Resolve(now).Seconds, Math.Min(time.Time.Nanoseconds, 999_999_999u)),
    };

    private static Nfs3Status ChangeMode(SafeFileHandle parent, string name, Ftype3 type, uint mode)
    {
        // fchmod needs a descriptor opened for reading or writing; O_NOFOLLOW keeps a swapped-in link from being chased.
        var flags = LibC.ORdOnly | LibC.ONoFollow | LibC.OCloExec | (type == Ftype3.Dir ? LibC.ODirectory : 0);
        using var target = LibC.openat(parent, name, flags, 0);
        if (target.IsInvalid)
        {
            return Errno.ToNfs3Status(LibC.LastError);
        }

        return LibC.fchmod(target, mode) == 0 ? Nfs3Status.Ok : Errno.ToNfs3Status(LibC.LastError);
    }

    private static Nfs3Status StatAt(SafeFileHandle dir, string name, int flags, out LocalStat stat)
    {
        if (LibC.statx(dir, name, flags, StatxMask, out var buffer) != 0)
        {
            stat = default;
            return Errno.ToNfs3Status(LibC.LastError);
        }

        stat = LocalStat.From(buffer);
        return Nfs3Status.Ok;
    }

    private static Nfs3Status ReadNames(SafeFileHandle dir, List<string> names)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(DirentBufferSize);
        try
        {
            return ReadNames(dir, names, buffer);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static Nfs3Status ReadNames(SafeFileHandle dir, List<string> names, byte[] buffer)
    {
        while (true)
        {
            var read = LibC.getdents64(dir, buffer, buffer.Length);
            if (read < 0)
            {
                return Errno.ToNfs3Status(LibC.LastError);
            }

            if (read == 0)
            {
                return Nfs3Status.Ok;
            }

            // struct linux_dirent64: d_ino u64, d_off s64, d_reclen u16, d_type u8, d_name (NUL-terminated).
            var offset = 0;
            while (offset + 19 < read)
            {
                var recordLength = BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(offset + 16));
                if (recordLength < 20 || offset + recordLength > read)
                {
                    return Nfs3Status.Io;
                }

                var nameBytes = buffer.AsSpan(offset + 19, recordLength - 19);
                var end = nameBytes.IndexOf((byte)0);
                nameBytes = end < 0 ? nameBytes : nameBytes[..end];
                if (!nameBytes.SequenceEqual("."u8) && !nameBytes.SequenceEqual(".."u8))
                {
                    if (names.Count >= MaxEntriesPerDirectory)
                    {
                        return Nfs3Status.ServerFault;
                    }

                    names.Add(Encoding.UTF8.GetString(nameBytes));
                }

                offset += recordLength;
            }
        }
    }

    private Nfs3Status OpenDirectory(string path, int flags, out SafeFileHandle dir)
    {
        var current = LibC.openat(_root, ".", (path.Length == 0 ? flags : OPath) | LibC.ODirectory | LibC.OCloExec, 0);
        if (current.IsInvalid)
        {
            dir = current;
            return Errno.ToNfs3Status(LibC.LastError);
        }

        var remaining = path.AsSpan();
        while (remaining.Length > 0)
        {
            var slash = remaining.IndexOf('/');
            var component = slash < 0 ? remaining : remaining[..slash];
            remaining = slash < 0 ? [] : remaining[(slash + 1)..];
            var next = LibC.openat(current, component.ToString(), (remaining.Length == 0 ? flags : OPath) | LibC.ODirectory | LibC.ONoFollow | LibC.OCloExec, 0);
            var errno = LibC.LastError;
            current.Dispose();
            if (next.IsInvalid)
            {
                next.Dispose();
                dir = null!;
                return Errno.ToNfs3Status(errno);
            }

            current = next;
        }

        dir = current;
        return Nfs3Status.Ok;
    }

    private Nfs3Status OpenParent(string path, out SafeFileHandle parent, out string name)
    {
        var slash = path.LastIndexOf('/');
        name = slash < 0 ? path : path[(slash + 1)..];
        return OpenDirectory(slash < 0 ? string.Empty : path[..slash], OPath, out parent);
    }

    private bool TryRemembered(ulong inode, uint generation, out string path, out LocalStat stat)
    {
        stat = default;
        if (!_inodes.TryGet(inode, out path))
        {
            return false;
        }

        return Stat(path, out stat) == Nfs3Status.Ok
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
            if (List(directory, entries) != Nfs3Status.Ok)
            {
                unlisted = true;
                continue;
            }

            foreach (var (name, stat) in entries)
            {
                var path = Combine(directory, name);
                found[stat.Inode] = path;
                if (stat.Type == Ftype3.Dir && stat.DevMajor == _devMajor && stat.DevMinor == _devMinor)
                {
                    pending.Enqueue(path);
                }
            }
        }

        _inodes.Replace(found, complete: !unlisted && pending.Count == 0 && found.Count < MaxScannedEntries);
    }

    private void Remember(ulong inode, string path) => _inodes.Remember(inode, path);

    private void Forget(ulong inode) => _inodes.Forget(inode);
}
