namespace Lifeboat.MountServer.Publishing;

/// <summary>
/// A live publication: where its disks are, for QEMU (portmap finds the ports) and for libnfs clients (ports in the
/// URL), and as nbd:// URLs when the mount server serves NBD.
/// </summary>
public sealed record PublicationInfo(
    string Name,
    string Vm,
    string RestorePointId,
    string CacheFolder,
    IReadOnlyList<string> DiskUrls,
    IReadOnlyList<string> DiskUrlsWithPorts)
{
    /// <summary>One nbd:// URL per disk (export <c>PUBLICATION/diskN</c>), nbds:// when NBD requires TLS; empty when NBD is off.</summary>
    public IReadOnlyList<string> NbdUrls { get; init; } = [];

    /// <summary>One nbd+unix:// URL per disk, for a QEMU on this host; empty when NBD has no unix socket.</summary>
    public IReadOnlyList<string> NbdUnixUrls { get; init; } = [];

    /// <summary>Every write over NFS and NBD is refused; nothing reaches the write cache.</summary>
    public bool ReadOnly { get; init; }
}
