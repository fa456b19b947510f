using Microsoft.Win32.SafeHandles;

namespace Lifeboat.Nfs.Datastore.Local;

/// <summary>
/// Walks a path of the client files folder ("" is the folder itself, "a/b" below it) one component at a time from the
/// folder's descriptor with O_NOFOLLOW, so no name, symbolic link or concurrent rename can make the server touch
/// anything outside the folder.
/// </summary>
internal sealed class LocalWalker(SafeFileHandle root) : IDisposable
{
    public const uint StatxMask = StatxBuffer.MaskBasicStats | StatxBuffer.MaskBirthTime;

    /// <summary>The flags of a folder opened only to walk on from or to call a *at function in.</summary>
    public static int PathOnly => LibC.OPath | LibC.ODirectory | LibC.ONoFollow | LibC.OCloExec;

    public SafeFileHandle Root => root;

    public static string Combine(string directory, string name) => directory.Length == 0 ? name : directory + "/" + name;

    public static string ParentOf(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash < 0 ? string.Empty : path[..slash];
    }

    public static Errno StatAt(SafeFileHandle dir, string name, int flags, out LocalStat stat)
    {
        if (LibC.statx(dir, name, flags, StatxMask, out var buffer) != 0)
        {
            stat = default;
            return LibC.LastError;
        }

        stat = LocalStat.From(buffer);
        return Errno.None;
    }

    public Errno Stat(string path, out LocalStat stat)
    {
        stat = default;
        if (path.Length == 0)
        {
            return StatAt(root, string.Empty, LibC.AtEmptyPath, out stat);
        }

        var errno = OpenParent(path, out var parent, out var name);
        if (errno != Errno.None)
        {
            return errno;
        }

        using (parent)
        {
            return StatAt(parent, name, LibC.AtSymlinkNoFollow, out stat);
        }
    }

    /// <summary>Opens the folder at <paramref name="path"/> with <paramref name="flags"/>; the folders above it only to walk through.</summary>
    public Errno OpenDirectory(string path, int flags, out SafeFileHandle dir)
    {
        var current = LibC.openat(root, ".", (path.Length == 0 ? flags : PathOnly) | LibC.ODirectory | LibC.OCloExec, 0);
        if (current.IsInvalid)
        {
            dir = current;
            return LibC.LastError;
        }

        var remaining = path.AsSpan();
        while (remaining.Length > 0)
        {
            var slash = remaining.IndexOf('/');
            var component = slash < 0 ? remaining : remaining[..slash];
            remaining = slash < 0 ? [] : remaining[(slash + 1)..];
            var next = LibC.openat(current, component.ToString(), (remaining.Length == 0 ? flags : PathOnly) | LibC.ODirectory | LibC.ONoFollow | LibC.OCloExec, 0);
            var errno = LibC.LastError;
            current.Dispose();
            if (next.IsInvalid)
            {
                next.Dispose();
                dir = null!;
                return errno;
            }

            current = next;
        }

        dir = current;
        return Errno.None;
    }

    /// <summary>Opens the folder holding <paramref name="path"/>, to act on its last component <paramref name="name"/>.</summary>
    public Errno OpenParent(string path, out SafeFileHandle parent, out string name)
    {
        var slash = path.LastIndexOf('/');
        name = slash < 0 ? path : path[(slash + 1)..];
        return OpenDirectory(slash < 0 ? string.Empty : path[..slash], PathOnly, out parent);
    }

    public void Dispose() => root.Dispose();
}
