namespace Lifeboat.FileRestore.Guestfs;

/// <summary>
/// The file systems an appliance found, named as the guest's admin knows them (<c>sda1</c>, <c>sdb</c>, <c>vg0/root</c>),
/// each browsable one mounted read-only at its own mount point (<c>/fs0</c>, <c>/fs1</c>, …) inside the appliance.
/// </summary>
internal sealed class ApplianceFileSystems
{
    private readonly Dictionary<string, (GuestFileSystem FileSystem, string MountPoint)> _byName;

    private ApplianceFileSystems(List<(GuestFileSystem FileSystem, string MountPoint)> found)
    {
        All = found.ConvertAll(entry => entry.FileSystem);
        _byName = found.ToDictionary(entry => entry.FileSystem.Name, StringComparer.Ordinal);
    }

    public IReadOnlyList<GuestFileSystem> All { get; }

    /// <summary>Lists and mounts every file system; runs on the worker's thread right after launch.</summary>
    public static ApplianceFileSystems Discover(GuestfsConnection connection)
    {
        var found = new List<(GuestFileSystem, string)>();
        foreach (var (mountable, type) in connection.ListFilesystems())
        {
            // btrfs subvolumes come as btrfsvol:DEVICE/SUBVOL beside the device itself, whose top level holds them all.
            if (mountable.StartsWith("btrfsvol:", StringComparison.Ordinal))
                continue;
            var name = Name(mountable);
            var label = type is "unknown" ? null : Try(() => connection.VfsLabel(mountable));
            var size = Try(() => connection.BlockdevGetsize64(mountable));
            var mountPoint = $"/fs{found.Count}";
            var problem = type switch
            {
                "swap" => $"{name} is swap space, which holds no files.",
                "unknown" => $"The appliance found no file system it can read on {name} (empty, encrypted, or of a kind libguestfs does not know).",
                _ => Mount(connection, mountable, mountPoint, name, type),
            };
            found.Add((new GuestFileSystem(name, type, string.IsNullOrEmpty(label) ? null : label, size, problem), mountPoint));
        }

        return new ApplianceFileSystems(found);
    }

    /// <summary>The mount point of a browsable file system.</summary>
    /// <exception cref="FileRestoreException">There is no such file system, or it cannot be browsed.</exception>
    public string MountPoint(string fileSystem)
    {
        if (!_byName.TryGetValue(fileSystem, out var entry))
        {
            var names = string.Join(", ", All.Select(found => found.Name));
            throw new FileRestoreException($"This restore point has no file system '{fileSystem}'; it has {(names.Length == 0 ? "none" : names)}.", "fileSystem");
        }

        return entry.FileSystem.Problem is { } problem
            ? throw new FileRestoreException($"{fileSystem} cannot be browsed: {problem}", "fileSystem")
            : entry.MountPoint;
    }

    /// <summary>The guest's name of an appliance device: /dev/sda1 → sda1, /dev/vg0/root → vg0/root.</summary>
    public static string Name(string mountable) =>
        mountable.StartsWith("/dev/mapper/", StringComparison.Ordinal) ? mountable["/dev/mapper/".Length..]
        : mountable.StartsWith("/dev/", StringComparison.Ordinal) ? mountable["/dev/".Length..]
        : mountable;

    private static string? Mount(GuestfsConnection connection, string mountable, string mountPoint, string name, string type)
    {
        try
        {
            connection.Mkmountpoint(mountPoint);
            connection.MountRo(mountable, mountPoint);
            return null;
        }
        catch (GuestfsException ex)
        {
            var reason = ex.GuestfsMessage.ReplaceLineEndings(" ").Trim().TrimEnd('.');
            return $"The appliance could not mount {name} ({type}) read-only ({reason}); the file system is damaged or of a version its kernel does not read.";
        }
    }

    private static T? Try<T>(Func<T> call)
    {
        try
        {
            return call();
        }
        catch (GuestfsException)
        {
            return default;
        }
    }
}
