using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.Nfs.Nfs3;

/// <summary>SYMLINK3args: where, the link's attributes and its target (symlinkdata3).</summary>
public readonly record struct Symlink3Args(DirOpArgs3 Where, Sattr3 Attributes, string Target)
{
    public static Symlink3Args Decode(ReadOnlyMemory<byte> arguments)
    {
        var reader = new XdrReader(arguments.Span);
        var where = DirOpArgs3.Decode(ref reader, arguments);
        var attributes = Sattr3.Decode(ref reader);
        return new Symlink3Args(where, attributes, reader.ReadString(Nfs3Constants.MaxPathLength));
    }

    public void Encode(XdrWriter writer)
    {
        Where.Encode(writer);
        Attributes.Encode(writer);
        writer.WriteString(Target);
    }
}
