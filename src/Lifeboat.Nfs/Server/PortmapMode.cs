namespace Lifeboat.Nfs.Server;

/// <summary>How clients that ask portmap find the mount server.</summary>
public enum PortmapMode
{
    /// <summary>No portmap on the portmap port: clients must be given the ports (libnfs: ?nfsport=N&amp;mountport=N).</summary>
    Off,

    /// <summary>The server answers portmap on the portmap port itself.</summary>
    Served,

    /// <summary>A system rpcbind owns the port and MOUNT and NFS are registered with it.</summary>
    RegisteredWithSystem,
}
