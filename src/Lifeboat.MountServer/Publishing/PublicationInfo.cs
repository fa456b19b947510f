using System.Net;

namespace Lifeboat.MountServer.Publishing;

/// <summary>
/// A live publication: where its disks are, for QEMU (portmap finds the ports) and for libnfs clients (ports in the
/// URL), and as nbd:// URLs when the mount server serves NBD. A narrowed publication's URLs name the address its
/// clients reach the mount server at (<see cref="ServedAt"/>): <c>nfs://ADDR/EXPORT/PUBLICATION/disk0.raw</c>,
/// <c>nbd://ADDR:PORT/PUBLICATION/disk0</c>.
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

    /// <summary>The only client addresses it answers (loopback too is refused unless named); null when the mount server's allow list decides.</summary>
    public IReadOnlyList<IPAddress>? Clients { get; init; }

    /// <summary>The address of this machine its clients reach the mount server at, which its URLs name; null when not narrowed.</summary>
    public IPAddress? ServedAt { get; init; }
}
