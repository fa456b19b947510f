using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Lifeboat.FileRestore.Archives.Tar;
using Microsoft.Win32.SafeHandles;

namespace Lifeboat.FileRestore.Archives.Extraction;

/// <summary>
/// Writes one selected path's entries into a folder on this machine, and only into it: every name is walked one
/// component at a time from the folder's descriptor with O_NOFOLLOW (a symlink, whether the archive made it or it was
/// there before, is never followed), '..' and absolute names are refused, files are created with O_EXCL (or, when
/// overwriting, under a temporary name renamed over the old one, which replaces a symlink rather than writing through it).
/// Folders get their modes, owners and mtimes at the end, once nothing more is written into them.
/// </summary>
internal sealed class DirectorySink : IEntrySink, IDisposable
{
    private const int NewFolderMode = 0x1C0; // 0700 until the folder's own mode is set at the end
    private const int NewFileMode = 0x180; // 0600 until the file's own mode is set once it is written
    private const int ImplicitFolderMode = 0x1ED; // 0755

    private readonly SafeFileHandle _root;
    private readonly string _directory;
    private readonly bool _overwrite;
    private readonly bool _owners;
    private readonly List<TarEntry> _folders = [];
    private readonly HashSet<string> _files = new(StringComparer.Ordinal);
    private readonly List<SkippedEntry> _skipped = [];
    private byte[]? _parentName;
    private SafeFileHandle? _parent;
    private SafeFileHandle? _file;
    private FileData? _data;
    private TarEntry? _fileEntry;
    private byte[]? _fileTemporary;

    public DirectorySink(SafeFileHandle root, string directory, bool overwrite, bool owners)
    {
        _root = root;
        _directory = directory;
        _overwrite = overwrite;
        _owners = owners;
    }

    public bool KeepsHardLinks => true;

    public long Entries { get; private set; }

    public long Bytes { get; private set; }

    public IReadOnlyList<SkippedEntry> Skipped => _skipped;

    public long SkippedCount { get; private set; }

    public ValueTask WriteEntryAsync(TarEntry entry, CancellationToken cancellationToken)
    {
        var (parent, last) = OpenParent(entry.Name);
        switch (entry.Kind)
        {
            case TarEntryKind.Directory:
                if (LibC.MkdirAt(parent, last, NewFolderMode) != 0)
                {
                    var errno = LibC.Errno;
                    if (errno != LibC.EEXIST)
                        throw Failed(errno, "create the folder", entry.Name);
                    using var existing = LibC.OpenAt(parent, last, LibC.OpenFolderFlags, 0)
                        ?? throw new FileRestoreException($"'{entry.DisplayName}' exists in {_directory} and is not a folder; extract into an empty folder.", "path");
                }

                _folders.Add(entry);
                break;
            case TarEntryKind.Symlink:
                Place(parent, last, entry.Name, name => LibC.SymlinkAt(entry.LinkName ?? [], parent, name));
                if (_owners && LibC.ChownAt(parent, last, entry.Uid, entry.Gid) != 0)
                    throw Failed(LibC.Errno, "set the owner of", entry.Name);
                LibC.SetTimesAt(parent, last, entry.ModifiedAt);
                break;
            case TarEntryKind.HardLink:
                var original = entry.LinkName ?? [];
                if (!_files.Contains(GuestText.Escape(original)))
                {
                    Skip(entry, $"it is a hard link to '{GuestText.Escape(original)}', which this extraction did not write");
                    return ValueTask.CompletedTask;
                }

                var (originalParent, originalLast) = Walk(original, keep: false);
                using (originalParent)
                    Place(parent, last, entry.Name, name => LibC.LinkAt(originalParent, originalLast, parent, name));
                break;
            default:
                Skip(entry, "devices and fifos are not created");
                return ValueTask.CompletedTask;
        }

        Entries++;
        return ValueTask.CompletedTask;
    }

    public ValueTask<Stream> BeginFileAsync(TarEntry entry, CancellationToken cancellationToken)
    {
        var (parent, last) = OpenParent(entry.Name);
        _fileTemporary = _overwrite ? TemporaryName() : null;
        _file = LibC.OpenAt(parent, _fileTemporary ?? last, LibC.CreateFileFlags, NewFileMode);
        if (_file is null)
        {
            var errno = LibC.Errno;
            throw errno == LibC.EEXIST ? Exists(entry.Name) : Failed(errno, "create", entry.Name);
        }

        _fileEntry = entry;
        _data = new FileData(_file);
        return ValueTask.FromResult<Stream>(_data);
    }

    public ValueTask EndFileAsync(CancellationToken cancellationToken)
    {
        var entry = _fileEntry!;
        using (var file = _file!)
        {
            if (_data!.Written != entry.Size)
                throw new FileRestoreException($"'{entry.DisplayName}' gave {_data.Written} bytes where its size is {entry.Size}; it changed while it was read.", "path");
            _data.Complete();
            if (_owners && LibC.Chown(file, entry.Uid, entry.Gid) != 0)
                throw Failed(LibC.Errno, "set the owner of", entry.Name);
            if (LibC.Chmod(file, entry.Mode) != 0 || LibC.SetTimes(file, entry.ModifiedAt) != 0)
                throw Failed(LibC.Errno, "set the mode and time of", entry.Name);
        }

        _file = null;
        if (_fileTemporary is not null)
        {
            var (parent, last) = OpenParent(entry.Name);
            Rename(parent, _fileTemporary, last, entry.Name);
        }

        _files.Add(GuestText.Escape(entry.Name));
        Entries++;
        Bytes += entry.Size;
        return ValueTask.CompletedTask;
    }

    /// <summary>Gives every folder written its mode, owner and mtime, deepest last-written first.</summary>
    public void Finish()
    {
        for (var i = _folders.Count - 1; i >= 0; i--)
        {
            var folder = _folders[i];
            var (parent, last) = Walk(folder.Name, keep: false);
            using (parent)
            using (var handle = LibC.OpenAt(parent, last, LibC.OpenFolderFlags, 0) ?? throw Failed(LibC.Errno, "open the folder", folder.Name))
            {
                if (_owners && LibC.Chown(handle, folder.Uid, folder.Gid) != 0)
                    throw Failed(LibC.Errno, "set the owner of", folder.Name);
                if (LibC.Chmod(handle, folder.Mode) != 0 || LibC.SetTimes(handle, folder.ModifiedAt) != 0)
                    throw Failed(LibC.Errno, "set the mode and time of", folder.Name);
            }
        }

        _folders.Clear();
    }

    public void Dispose()
    {
        _file?.Dispose();
        _parent?.Dispose();
    }

    private (SafeFileHandle Parent, byte[] Last) OpenParent(byte[] name)
    {
        var slash = Array.LastIndexOf(name, (byte)'/');
        var parentName = slash < 0 ? [] : name[..slash];
        if (_parentName is not null && _parentName.AsSpan().SequenceEqual(parentName))
            return (_parent ?? _root, name[(slash + 1)..]);
        _parent?.Dispose();
        _parent = null;
        _parentName = null;
        var (parent, last) = Walk(name, keep: true);
        _parent = parent == _root ? null : parent;
        _parentName = parentName;
        return (parent, last);
    }

    /// <summary>Opens the folder that holds <paramref name="name"/>'s last component, making missing folders on the way.</summary>
    /// <param name="keep">Whether the caller keeps the root when the name has no parent (otherwise it gets a handle of its own to dispose).</param>
    private (SafeFileHandle Parent, byte[] Last) Walk(byte[] name, bool keep)
    {
        var components = Components(name);
        var current = _root;
        try
        {
            for (var i = 0; i < components.Count - 1; i++)
            {
                var component = components[i];
                var next = LibC.OpenAt(current, component, LibC.OpenFolderFlags, 0);
                if (next is null && LibC.Errno == LibC.ENOENT && LibC.MkdirAt(current, component, ImplicitFolderMode) == 0)
                    next = LibC.OpenAt(current, component, LibC.OpenFolderFlags, 0);
                if (next is null)
                {
                    var errno = LibC.Errno;
                    if (errno is LibC.ELOOP or LibC.ENOTDIR)
                        throw new FileRestoreException(
                            $"'{GuestText.Escape(name)}' would be written through '{GuestText.Escape(Join(components, i + 1))}', which is a symlink or a file, not a folder; nothing is written outside {_directory}.", "path");
                    throw Failed(errno, "open the folder", Join(components, i + 1));
                }

                if (current != _root)
                    current.Dispose();
                current = next;
            }
        }
        catch
        {
            if (current != _root)
                current.Dispose();
            throw;
        }

        if (current == _root && !keep)
            current = LibC.OpenAt(_root, "."u8, LibC.OpenFolderFlags, 0) ?? throw Failed(LibC.Errno, "open", "."u8.ToArray());
        return (current, components[^1]);
    }

    private static List<byte[]> Components(byte[] name)
    {
        if (name.Length == 0 || name[0] == (byte)'/')
            throw new FileRestoreException($"'{GuestText.Escape(name)}' is not a name relative to the folder; nothing is written outside it.", "path");
        var components = new List<byte[]>();
        foreach (var range in name.AsSpan().Split((byte)'/'))
        {
            var component = name.AsSpan()[range];
            if (component.IsEmpty || component.SequenceEqual("."u8))
                continue;
            if (component.SequenceEqual(".."u8))
                throw new FileRestoreException($"'{GuestText.Escape(name)}' climbs out of the folder with '..'; nothing is written outside it.", "path");
            components.Add(component.ToArray());
        }

        if (components.Count == 0)
            throw new FileRestoreException($"'{GuestText.Escape(name)}' names no file inside the folder.", "path");
        return components;
    }

    private static byte[] Join(List<byte[]> components, int count)
    {
        var bytes = new List<byte>();
        for (var i = 0; i < count; i++)
        {
            if (i > 0)
                bytes.Add((byte)'/');
            bytes.AddRange(components[i]);
        }

        return [.. bytes];
    }

    /// <summary>Makes a new name with <paramref name="create"/>: straight at its place, or when overwriting under a temporary name renamed over whatever is there.</summary>
    private void Place(SafeFileHandle parent, byte[] last, byte[] name, Func<byte[], int> create)
    {
        var target = _overwrite ? TemporaryName() : last;
        if (create(target) != 0)
        {
            var errno = LibC.Errno;
            throw errno == LibC.EEXIST ? Exists(name) : Failed(errno, "create", name);
        }

        if (_overwrite)
            Rename(parent, target, last, name);
    }

    private void Rename(SafeFileHandle parent, byte[] temporary, byte[] last, byte[] name)
    {
        if (LibC.RenameAt(parent, temporary, last) == 0)
            return;
        var errno = LibC.Errno;
        LibC.UnlinkAt(parent, temporary);
        throw errno is LibC.EISDIR or LibC.ENOTDIR or LibC.EEXIST
            ? new FileRestoreException($"'{GuestText.Escape(name)}' is a folder in {_directory} and the restore point has a file there; move the folder away or extract into an empty folder.", "path")
            : Failed(errno, "replace", name);
    }

    private static byte[] TemporaryName() => [.. ".lifeboat-"u8, .. System.Text.Encoding.ASCII.GetBytes(Convert.ToHexString(RandomNumberGenerator.GetBytes(8)))];

    private void Skip(TarEntry entry, string reason)
    {
        SkippedCount++;
        if (_skipped.Count < SelectionExtractor.MaxSkippedListed)
            _skipped.Add(new SkippedEntry(entry.DisplayName, reason));
    }

    private FileRestoreException Exists(byte[] name) =>
        new($"'{GuestText.Escape(name)}' exists already in {_directory}; extract into an empty folder or choose to overwrite.", "path");

    private FileRestoreException Failed(int errno, string what, byte[] name) =>
        new($"Could not {what} '{GuestText.Escape(name)}' in {_directory}: {Marshal.GetPInvokeErrorMessage(errno)}.", "path");
}
