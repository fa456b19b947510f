using System.Net;
using System.Net.Sockets;

namespace Lifeboat.Nfs.Tests.Support;

/// <summary>
/// A test that needs QEMU's nfs:// driver, which finds MOUNT and NFS through portmap on port 111 only: skipped with
/// the reason when qemu-img, qemu-io or the driver is missing, or when port 111 can be neither served nor reached.
/// </summary>
public sealed class QemuNfsFactAttribute : FactAttribute
{
    public const int PortmapPort = 111;

    public QemuNfsFactAttribute()
    {
        if (!Tools.Exists("qemu-img") || !Tools.Exists("qemu-io"))
        {
            Skip = "qemu-img or qemu-io is missing: install Debian's qemu-utils.";
        }
        else if (!Directory.EnumerateFiles("/usr/lib", "block-nfs.so", SearchOption.AllDirectories).Any())
        {
            Skip = "QEMU's nfs:// driver (block-nfs.so) is missing: install Debian's qemu-block-extra.";
        }
        else if (!PortmapReachable())
        {
            Skip = "Port 111 can be neither bound (not root?) nor reached, and QEMU's nfs:// driver asks portmap there only.";
        }
    }

    private static bool PortmapReachable()
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, PortmapPort);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            // A portmapper (rpcbind, or another test's) owns it: the server registers there instead.
            using var client = new TcpClient();
            try
            {
                client.Connect(IPAddress.Loopback, PortmapPort);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
