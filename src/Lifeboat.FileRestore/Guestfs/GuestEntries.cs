namespace Lifeboat.FileRestore.Guestfs;

/// <summary>Turns what lstat said inside the appliance into <see cref="GuestEntry"/>, and guest paths into appliance paths.</summary>
internal static class GuestEntries
{
    /// <summary>lstatns(list)/readlinklist take this many names a call: far below the 4 MiB message cap either way.</summary>
    public const int Batch = 500;

    private const long TypeMask = 0xF000;

    /// <summary>The path inside the appliance: the file system's mount point, then the guest path.</summary>
    /// <exception cref="FileRestoreException">The path has an empty, "." or ".." component.</exception>
    public static byte[] AppliancePath(string mountPoint, GuestPath path)
    {
        var bytes = path.Bytes;
        if (!path.IsRoot)
        {
            foreach (var range in bytes[1..].Split((byte)'/'))
            {
                var part = bytes[1..][range];
                if (part.IsEmpty || part.SequenceEqual("."u8) || part.SequenceEqual(".."u8))
                    throw new FileRestoreException($"{path} has an empty, '.' or '..' component; give the path from the file system's root.", "path");
            }
        }

        var prefix = System.Text.Encoding.ASCII.GetBytes(mountPoint);
        return path.IsRoot ? prefix : [.. prefix, .. bytes];
    }

    public static GuestEntry FromStat(GuestPath path, in GuestfsNative.Statns stat, byte[]? linkTarget)
    {
        var type = stat.Ino < 0 ? GuestEntryType.Unknown : TypeOf(stat.Mode);
        var modifiedAt = DateTimeOffset.FromUnixTimeSeconds(stat.MtimeSec).AddTicks(stat.MtimeNsec / 100);
        return new GuestEntry(path, type, stat.Size, (int)(stat.Mode & 0xFFF), stat.Uid, stat.Gid, modifiedAt, type == GuestEntryType.Symlink ? linkTarget : null);
    }

    public static GuestEntryType TypeOf(long mode) => (mode & TypeMask) switch
    {
        0x8000 => GuestEntryType.File,
        0x4000 => GuestEntryType.Directory,
        0xA000 => GuestEntryType.Symlink,
        0x2000 => GuestEntryType.CharDevice,
        0x6000 => GuestEntryType.BlockDevice,
        0x1000 => GuestEntryType.Fifo,
        0xC000 => GuestEntryType.Socket,
        _ => GuestEntryType.Unknown,
    };

    /// <summary>lstat of names in one folder (in batches), with link targets read for the symlinks among them.</summary>
    public static List<GuestEntry> StatNames(GuestfsConnection connection, GuestPath folder, byte[] applianceFolder, IReadOnlyList<byte[]> names)
    {
        var entries = new List<GuestEntry>(names.Count);
        for (var at = 0; at < names.Count; at += Batch)
        {
            var batch = names.Skip(at).Take(Batch).ToList();
            var stats = connection.Lstatnslist(applianceFolder, batch);
            var links = new List<byte[]>();
            for (var i = 0; i < stats.Length; i++)
            {
                if (TypeOf(stats[i].Mode) == GuestEntryType.Symlink && stats[i].Ino >= 0)
                    links.Add(batch[i]);
            }

            var targets = links.Count == 0 ? [] : connection.Readlinklist(applianceFolder, links);
            var link = 0;
            for (var i = 0; i < stats.Length && i < batch.Count; i++)
            {
                byte[]? target = null;
                if (TypeOf(stats[i].Mode) == GuestEntryType.Symlink && stats[i].Ino >= 0)
                    target = link < targets.Count ? targets[link++] : null;
                entries.Add(FromStat(folder.Child(batch[i]), stats[i], target));
            }
        }

        return entries;
    }
}
