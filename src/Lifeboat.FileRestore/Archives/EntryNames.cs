namespace Lifeboat.FileRestore.Archives;

/// <summary>
/// Puts the names of a folder's tar (hostile: they come from the guest) under the folder's name at the top of the
/// output: <c>./a/b</c> becomes <c>TOP/a/b</c>. A name that is absolute or climbs with <c>..</c> is refused, never
/// cleaned up into something else.
/// </summary>
internal static class EntryNames
{
    /// <summary>The name's components relative to the folder, joined by '/' (empty for the folder itself).</summary>
    /// <exception cref="FileRestoreException">The name is absolute or has a '..' component.</exception>
    public static byte[] Relative(ReadOnlySpan<byte> name)
    {
        if (!name.IsEmpty && name[0] == (byte)'/')
            throw new FileRestoreException($"The folder's tar holds the absolute name '{GuestText.Escape(name)}'; the file system is damaged or hostile.", "tar");
        var result = new List<byte>(name.Length);
        foreach (var range in name.Split((byte)'/'))
        {
            var component = name[range];
            if (component.IsEmpty || component.SequenceEqual("."u8))
                continue;
            if (component.SequenceEqual(".."u8))
                throw new FileRestoreException($"The folder's tar holds the name '{GuestText.Escape(name)}', which climbs out of it with '..'; the file system is damaged or hostile.", "tar");
            if (result.Count > 0)
                result.Add((byte)'/');
            result.AddRange(component);
        }

        return [.. result];
    }

    /// <summary><paramref name="top"/>/<paramref name="relative"/>, or <paramref name="top"/> when the relative name is empty.</summary>
    public static byte[] Under(byte[] top, ReadOnlySpan<byte> relative) =>
        relative.IsEmpty ? top : [.. top, (byte)'/', .. relative];

    /// <summary>
    /// The top names of a selection: each path's last name (a file system's root is named after the file system, '/' as
    /// '_'); when two selections share a last name (<c>sda1:/etc</c> and <c>sdb1:/etc</c>) the later ones get <c>~2</c>,
    /// <c>~3</c>… so that neither is written into the other.
    /// </summary>
    public static IReadOnlyList<byte[]> TopNames(IReadOnlyList<GuestPath> paths)
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        var names = new List<byte[]>(paths.Count);
        foreach (var path in paths)
        {
            var name = path.IsRoot ? System.Text.Encoding.UTF8.GetBytes(path.FileSystem.Replace('/', '_')) : path.Name.ToArray();
            if (name.AsSpan().SequenceEqual("."u8) || name.AsSpan().SequenceEqual(".."u8) || name.Length == 0)
                throw new FileRestoreException($"{path} does not end in a name; write the path of the file or folder itself.", "paths");
            var unique = name;
            for (var n = 2; !used.Add(GuestText.Escape(unique)); n++)
                unique = [.. name, .. System.Text.Encoding.ASCII.GetBytes($"~{n}")];
            names.Add(unique);
        }

        return names;
    }
}
