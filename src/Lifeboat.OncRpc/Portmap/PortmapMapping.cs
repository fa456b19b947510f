using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.OncRpc.Portmap;

/// <summary>struct mapping of RFC 1833 section 3.1: where (program, version, protocol) listens.</summary>
public readonly record struct PortmapMapping(uint Program, uint Version, PortmapProtocol Protocol, uint Port)
{
    /// <summary>Its size in XDR: four unsigned integers.</summary>
    public const int EncodedSize = 16;

    public static PortmapMapping Read(ref XdrReader reader) =>
        new(reader.ReadUInt32(), reader.ReadUInt32(), (PortmapProtocol)reader.ReadUInt32(), reader.ReadUInt32());

    public void WriteTo(XdrWriter writer)
    {
        writer.WriteUInt32(Program);
        writer.WriteUInt32(Version);
        writer.WriteUInt32((uint)Protocol);
        writer.WriteUInt32(Port);
    }
}
