namespace Lifeboat.FileRestore.Guestfs;

/// <summary>Reads find0's output (relative paths, each ending in NUL) as a stream and keeps those whose name matches.</summary>
internal static class FindResults
{
    /// <summary>A longer record is not a path any Linux file system holds (PATH_MAX is 4096).</summary>
    private const int MaxRecord = 64 * 1024;

    public static List<GuestPath> Read(string find0File, GuestPath root, ShellPattern pattern, int limit)
    {
        var matches = new List<GuestPath>();
        using var file = new FileStream(find0File, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var record = new byte[MaxRecord];
        var length = 0;
        int value;
        while (matches.Count < limit && (value = file.ReadByte()) >= 0)
        {
            if (value != 0)
            {
                if (length == MaxRecord)
                    throw new FileRestoreException($"A path under {root} is longer than {MaxRecord} bytes, which no file system holds; the appliance's answer is not trusted.", "path");
                record[length++] = (byte)value;
                continue;
            }

            var relative = record.AsSpan(0, length);
            length = 0;
            var name = relative[(relative.LastIndexOf((byte)'/') + 1)..];
            if (name.IsEmpty || !pattern.Matches(name))
                continue;
            var path = root;
            foreach (var range in relative.Split((byte)'/'))
            {
                // find0 writes each path from the folder with a leading '/'.
                if (!relative[range].IsEmpty)
                    path = path.Child(relative[range]);
            }

            matches.Add(path);
        }

        return matches;
    }

    /// <summary>lstat of each match, a call per folder they are in; runs on the worker's thread.</summary>
    public static List<GuestEntry> Stat(GuestfsConnection connection, List<GuestPath> matches, Func<GuestPath, byte[]> appliancePath)
    {
        var entries = new List<GuestEntry>(matches.Count);
        foreach (var group in matches.GroupBy(match => match.Parent()))
            entries.AddRange(GuestEntries.StatNames(connection, group.Key, appliancePath(group.Key), group.Select(match => match.Name.ToArray()).ToList()));
        return entries;
    }
}
