using System.Text;

namespace Lifeboat.FileRestore;

/// <summary>
/// A path inside one of a restore point's guest file systems: the file system's name (<c>sda1</c>, <c>vg0/root</c>) and
/// the path's raw bytes, as the guest stored them (names need not be UTF-8). Written <c>FS:/PATH</c>, where bytes that
/// are not printable UTF-8, and the backslash, are escaped (<c>\xNN</c>, <c>\n</c>, <c>\\</c>), so every path has one
/// text form that parses back to the same bytes.
/// </summary>
public sealed class GuestPath : IEquatable<GuestPath>
{
    private readonly byte[] _bytes;

    public GuestPath(string fileSystem, ReadOnlySpan<byte> path)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileSystem);
        if (path.IsEmpty || path[0] != (byte)'/')
            throw new FileRestoreException("The path does not start with '/'.", "path");
        if (path.Contains((byte)0))
            throw new FileRestoreException("The path contains a NUL byte.", "path");
        FileSystem = fileSystem;
        _bytes = path.ToArray();
    }

    /// <summary>The file system's name, as <see cref="GuestFileSystem.Name"/>.</summary>
    public string FileSystem { get; }

    /// <summary>The absolute path's bytes inside the file system, starting with '/'.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    public bool IsRoot => _bytes.Length == 1;

    /// <summary>The last component's bytes (empty for the root).</summary>
    public ReadOnlySpan<byte> Name => _bytes.AsSpan(_bytes.AsSpan().LastIndexOf((byte)'/') + 1);

    /// <summary>The path of <paramref name="name"/> inside this folder.</summary>
    /// <exception cref="FileRestoreException">The name is empty, ".", "..", or contains '/' or NUL.</exception>
    public GuestPath Child(ReadOnlySpan<byte> name)
    {
        if (name.IsEmpty || name.SequenceEqual("."u8) || name.SequenceEqual(".."u8) || name.Contains((byte)'/') || name.Contains((byte)0))
            throw new FileRestoreException($"'{GuestText.Escape(name)}' is not a name inside a folder.", "name");
        var bytes = new byte[IsRoot ? 1 + name.Length : _bytes.Length + 1 + name.Length];
        _bytes.CopyTo(bytes, 0);
        var at = IsRoot ? 1 : _bytes.Length;
        if (!IsRoot)
            bytes[at++] = (byte)'/';
        name.CopyTo(bytes.AsSpan(at));
        return new GuestPath(FileSystem, bytes);
    }

    /// <summary>The folder holding this path; the root's parent is the root.</summary>
    public GuestPath Parent()
    {
        var slash = _bytes.AsSpan().LastIndexOf((byte)'/');
        return new GuestPath(FileSystem, slash <= 0 ? "/"u8 : _bytes.AsSpan(0, slash));
    }

    /// <summary>Parses <c>FS:/PATH</c> (escapes as <see cref="GuestText"/> writes them); <c>FS</c> alone is its root.</summary>
    /// <exception cref="FileRestoreException">The text names no file system, or its path does not start with '/', or an escape is malformed.</exception>
    public static GuestPath Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var fileSystem = colon < 0 ? text : text[..colon];
        if (fileSystem.Length == 0)
            throw new FileRestoreException($"'{text}' names no file system; write it FS:/PATH, e.g. sda1:/etc/hosts.", "path");
        var path = colon < 0 ? "/" : text[(colon + 1)..];
        if (path.Length == 0)
            path = "/";
        return new GuestPath(fileSystem, GuestText.Unescape(path));
    }

    /// <summary>The <c>FS:/PATH</c> text form.</summary>
    public override string ToString() => $"{FileSystem}:{GuestText.Escape(_bytes)}";

    public bool Equals(GuestPath? other) => other is not null && other.FileSystem == FileSystem && other._bytes.AsSpan().SequenceEqual(_bytes);

    public override bool Equals(object? obj) => Equals(obj as GuestPath);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(FileSystem);
        hash.AddBytes(_bytes);
        return hash.ToHashCode();
    }
}
