namespace Lifeboat.Server.Sessions;

/// <summary>How a recovered VM reaches its published disks (a recovery request's protocol).</summary>
public static class DiskProtocols
{
    /// <summary>Files of the NFS datastore, through QEMU's nfs driver (the default).</summary>
    public const string Nfs = "nfs";

    /// <summary>The mount server's NBD exports, through QEMU's nbd driver.</summary>
    public const string Nbd = "nbd";

    /// <summary>The protocol a request names (null means NFS).</summary>
    /// <exception cref="ArgumentException">It names neither.</exception>
    public static string Parse(string? protocol) => protocol?.ToLowerInvariant() switch
    {
        null or "" or Nfs => Nfs,
        Nbd => Nbd,
        _ => throw new ArgumentException($"Disk protocol '{protocol}' is neither nfs nor nbd."),
    };
}
