using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.Nfs.Nfs3;

/// <summary>CREATE3args: where, how (createhow3), and the attributes or, for EXCLUSIVE, the client's verifier.</summary>
public readonly record struct Create3Args(DirOpArgs3 Where, CreateMode3 Mode, Sattr3 Attributes, ulong Verifier)
{
    public static Create3Args Decode(ReadOnlyMemory<byte> arguments)
    {
        var reader = new XdrReader(arguments.Span);
        var where = DirOpArgs3.Decode(ref reader, arguments);
        var mode = reader.ReadUInt32();
        return mode switch
        {
            (uint)CreateMode3.Unchecked or (uint)CreateMode3.Guarded =>
                new Create3Args(where, (CreateMode3)mode, Sattr3.Decode(ref reader), 0),
            (uint)CreateMode3.Exclusive => new Create3Args(where, CreateMode3.Exclusive, default, reader.ReadUInt64()),
            _ => throw new XdrException($"createmode3 {mode} is not one of UNCHECKED, GUARDED, EXCLUSIVE."),
        };
    }

    public void Encode(XdrWriter writer)
    {
        Where.Encode(writer);
        writer.WriteUInt32((uint)Mode);
        if (Mode == CreateMode3.Exclusive)
        {
            writer.WriteUInt64(Verifier);
        }
        else
        {
            Attributes.Encode(writer);
        }
    }
}
