using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.Nfs.Nfs3;

/// <summary>ACCESS3args: the object and the ACCESS3_* bits the client asks about.</summary>
public readonly record struct Access3Args(Nfs3FileHandle Object, Access3 Access)
{
    public static Access3Args Decode(ReadOnlyMemory<byte> arguments)
    {
        var reader = new XdrReader(arguments.Span);
        var handle = Nfs3FileHandle.Decode(ref reader, arguments);
        return new Access3Args(handle, (Access3)reader.ReadUInt32());
    }

    public void Encode(XdrWriter writer)
    {
        Object.Encode(writer);
        writer.WriteUInt32((uint)Access);
    }
}
