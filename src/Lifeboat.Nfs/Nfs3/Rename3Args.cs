using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.Nfs.Nfs3;

/// <summary>RENAME3args: the entry to move and where to.</summary>
public readonly record struct Rename3Args(DirOpArgs3 From, DirOpArgs3 To)
{
    public static Rename3Args Decode(ReadOnlyMemory<byte> arguments)
    {
        var reader = new XdrReader(arguments.Span);
        var from = DirOpArgs3.Decode(ref reader, arguments);
        return new Rename3Args(from, DirOpArgs3.Decode(ref reader, arguments));
    }

    public void Encode(XdrWriter writer)
    {
        From.Encode(writer);
        To.Encode(writer);
    }
}
