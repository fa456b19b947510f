namespace Lifeboat.OncRpc.Portmap;

/// <summary>The procedures of portmap version 2 (RFC 1833 section 3.2).</summary>
public enum PortmapProcedure : uint
{
    Null = 0,
    Set = 1,
    Unset = 2,
    GetPort = 3,
    Dump = 4,
    CallIt = 5,
}
