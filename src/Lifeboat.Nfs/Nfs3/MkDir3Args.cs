using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.Nfs.Nfs3;

/// <summary>MKDIR3args: where and the new directory's attributes.</summary>
public readonly record struct MkDir3Args(DirOpArgs3 Where, Sattr3 Attributes)
{
    public static MkDir3Args Decode(ReadOnlyMemory<byte> arguments)
    {
        var reader = new XdrReader(arguments.Span);
        var where = DirOpArgs3.Decode(ref reader, arguments);
        return new MkDir3Args(where, Sattr3.Decode(ref reader));
    }

    public void Encode(XdrWriter writer)
    {
        Where.Encode(writer);
        Attributes.Encode(writer);
    }
}
