using System.Net;
using System.Net.Sockets;

namespace Lifeboat.Hypervisors.Qemu.LiveBackup;

/// <summary>
/// Where a point in time's NBD server listens: a unix socket in the work folder when the VM runs here, a TCP port
/// on the hypervisor host's address when it runs elsewhere, with the TLS the client must start there.
/// </summary>
public sealed record LiveBackupNbdServer(EndPoint EndPoint, LiveBackupNbdTls? Tls)
{
    public static LiveBackupNbdServer Unix(string socketPath) => new(new UnixDomainSocketEndPoint(socketPath), null);

    /// <summary>The socket path, or ADDRESS:PORT and whether TLS guards it: for logs and a backup's disk description.</summary>
    public override string ToString() => EndPoint switch
    {
        UnixDomainSocketEndPoint unix => unix.ToString(),
        _ => Tls is null ? $"{EndPoint} (TCP)" : $"{EndPoint} (TCP, TLS)",
    };
}
