namespace Lifeboat.OncRpc.Portmap;

/// <summary>The prot field of a portmap mapping: an IP protocol number (RFC 1833 section 3.1).</summary>
public enum PortmapProtocol : uint
{
    Tcp = 6,
    Udp = 17,
}
