using Lifeboat.Nfs.Nfs3;

namespace Lifeboat.Nfs.Datastore.Local;

/// <summary>Maps Linux errno values to the nfsstat3 a client expects for them.</summary>
internal static class Errno
{
    public const int Perm = 1;
    public const int NoEnt = 2;
    public const int Exist = 17;
    public const int NotDir = 20;
    public const int NotSupported = 95;

    public static Nfs3Status ToNfs3Status(int errno) => errno switch
    {
        Perm => Nfs3Status.Perm,
        NoEnt => Nfs3Status.NoEnt,
        5 => Nfs3Status.Io,
        6 => Nfs3Status.NxIo,
        13 => Nfs3Status.Acces,
        Exist => Nfs3Status.Exist,
        18 => Nfs3Status.XDev,
        19 => Nfs3Status.NoDev,
        NotDir => Nfs3Status.NotDir,
        21 => Nfs3Status.IsDir,
        22 => Nfs3Status.Inval,
        27 => Nfs3Status.FBig,
        28 => Nfs3Status.NoSpc,
        30 => Nfs3Status.RoFs,
        31 => Nfs3Status.MLink,
        36 => Nfs3Status.NameTooLong,
        39 => Nfs3Status.NotEmpty,
        40 => Nfs3Status.NotDir, // ELOOP: a symbolic link where the walk needs a folder
        NotSupported => Nfs3Status.NotSupp,
        116 => Nfs3Status.Stale,
        122 => Nfs3Status.DQuot,
        _ => Nfs3Status.Io,
    };

    /// <summary>Maps an exception of a BCL file call to a status.</summary>
    public static Nfs3Status ToNfs3Status(Exception exception) => exception switch
    {
        FileNotFoundException or DirectoryNotFoundException => Nfs3Status.NoEnt,
        UnauthorizedAccessException => Nfs3Status.Acces,
        PathTooLongException => Nfs3Status.NameTooLong,
        IOException io when io.HResult is > 0 and < 4096 => ToNfs3Status(io.HResult),
        _ => Nfs3Status.Io,
    };
}
