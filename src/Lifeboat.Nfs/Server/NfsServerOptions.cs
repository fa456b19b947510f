using System.Net;
using Lifeboat.OncRpc.Portmap;
using Lifeboat.Nfs.Datastore;
using Lifeboat.Nfs.Nfs3;

namespace Lifeboat.Nfs.Server;

public sealed class NfsServerOptions
{
    public const int DefaultPort = 2049;
    public const int DefaultPortmapPort = PortmapClient.DefaultPort;

    /// <summary>Where MOUNT, NFS and a portmap answering for them listen (one port; 0 picks a free one).</summary>
    public IPEndPoint EndPoint { get; set; } = new(IPAddress.Any, DefaultPort);

    /// <summary>
    /// The port QEMU's nfs:// driver asks for MOUNT and NFS (it takes no port options). 0 turns it off. When a system
    /// rpcbind already owns it, MOUNT and NFS are registered there instead and unregistered at stop.
    /// </summary>
    public int PortmapPort { get; set; } = DefaultPortmapPort;

    /// <summary>The host name put in nfs:// URLs; by default the listening address, or 127.0.0.1 when it is a wildcard.</summary>
    public string? AdvertisedHost { get; set; }

    public NfsClientAllowList AllowedClients { get; set; } = NfsClientAllowList.LoopbackOnly;

    /// <summary>More RPC programs served on the same port, such as the mount server's control program.</summary>
    public IReadOnlyList<Lifeboat.OncRpc.Rpc.IRpcProgram> AdditionalPrograms { get; set; } = [];

    public DatastoreOptions Datastore { get; set; } = new();

    public Nfs3ProgramOptions Nfs { get; set; } = new();
}
