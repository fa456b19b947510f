using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.Nfs.Nfs3;

/// <summary>wcc_data of RFC 1813 section 2.6: pre_op_attr before an update and post_op_attr after it.</summary>
public readonly record struct WccData(WccAttr? Before, Fattr3? After)
{
    public static WccData None => default;

    public void Encode(XdrWriter writer)
    {
        writer.WriteBool(Before.HasValue);
        Before?.Encode(writer);
        Fattr3.EncodePostOp(writer, After);
    }

    public static WccData Decode(ref XdrReader reader)
    {
        WccAttr? before = reader.ReadBool() ? WccAttr.Decode(ref reader) : null;
        return new WccData(before, Fattr3.DecodePostOp(ref reader));
    }
}
