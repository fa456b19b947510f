using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.Nfs.Nfs3;

/// <summary>wcc_attr of RFC 1813 section 2.6: the attributes a client checks its cache against before an update.</summary>
public readonly record struct WccAttr(ulong Size, NfsTime3 Mtime, NfsTime3 Ctime)
{
    public void Encode(XdrWriter writer)
    {
        writer.WriteUInt64(Size);
        Mtime.Encode(writer);
        Ctime.Encode(writer);
    }

    public static WccAttr Decode(ref XdrReader reader) =>
        new(reader.ReadUInt64(), NfsTime3.Decode(ref reader), NfsTime3.Decode(ref reader));
}
