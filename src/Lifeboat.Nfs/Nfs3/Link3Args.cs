using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.Nfs.Nfs3;

/// <summary>LINK3args: an existing file and the new name for it.</summary>
public readonly record struct Link3Args(Nfs3FileHandle File, DirOpArgs3 Link)
{
    public static Link3Args Decode(ReadOnlyMemory<byte> arguments)
    {
        var reader = new XdrReader(arguments.Span);
        var file = Nfs3FileHandle.Decode(ref reader, arguments);
        return new Link3Args(file, DirOpArgs3.Decode(ref reader, arguments));
    }

    public void Encode(XdrWriter writer)
    {
        File.Encode(writer);
        Link.Encode(writer);
    }
}
