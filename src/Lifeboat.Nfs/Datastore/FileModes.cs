namespace Lifeboat.Nfs.Datastore;

/// <summary>The permission bits the datastore gives its own objects (C# has no octal literals).</summary>
internal static class FileModes
{
    /// <summary>0644: disk files and new client files without a mode.</summary>
    public const uint ReadWrite = 0x1A4;

    /// <summary>0444: generated files.</summary>
    public const uint ReadOnly = 0x124;

    /// <summary>0755: publication folders and new client folders without a mode.</summary>
    public const uint Directory = 0x1ED;

    /// <summary>0555: the export root, where only the server adds or removes publications.</summary>
    public const uint ReadOnlyDirectory = 0x16D;
}
