using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.Nfs.Nfs3;

/// <summary>MKNOD3args: where and the special file (mknoddata3) to make.</summary>
public readonly record struct MkNod3Args(DirOpArgs3 Where, Ftype3 Type, Sattr3 Attributes, uint SpecData1, uint SpecData2)
{
    public static MkNod3Args Decode(ReadOnlyMemory<byte> arguments)
    {
        var reader = new XdrReader(arguments.Span);
        var where = DirOpArgs3.Decode(ref reader, arguments);
        var type = (Ftype3)reader.ReadUInt32();
        switch (type)
        {
            case Ftype3.Chr or Ftype3.Blk:
                var device = Sattr3.Decode(ref reader);
                return new MkNod3Args(where, type, device, reader.ReadUInt32(), reader.ReadUInt32());
            case Ftype3.Sock or Ftype3.Fifo:
                return new MkNod3Args(where, type, Sattr3.Decode(ref reader), 0, 0);
            default:
                return new MkNod3Args(where, type, default, 0, 0);
        }
    }

    public void Encode(XdrWriter writer)
    {
        Where.Encode(writer);
        writer.WriteUInt32((uint)Type);
        if (Type is Ftype3.Chr or Ftype3.Blk or Ftype3.Sock or Ftype3.Fifo)
        {
            Attributes.Encode(writer);
        }

        if (Type is Ftype3.Chr or Ftype3.Blk)
        {
            writer.WriteUInt32(SpecData1);
            writer.WriteUInt32(SpecData2);
        }
    }
}
