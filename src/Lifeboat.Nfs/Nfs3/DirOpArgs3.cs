using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.Nfs.Nfs3;

/// <summary>diropargs3 of RFC 1813 section 2.6: a directory and one name in it (the arguments of LOOKUP, REMOVE, RMDIR).</summary>
public readonly record struct DirOpArgs3(Nfs3FileHandle Dir, string Name)
{
    public static DirOpArgs3 Decode(ref XdrReader reader, ReadOnlyMemory<byte> source)
    {
        var dir = Nfs3FileHandle.Decode(ref reader, source);
        return new DirOpArgs3(dir, reader.ReadString(Nfs3Constants.MaxNameWireLength));
    }

    public static DirOpArgs3 Decode(ReadOnlyMemory<byte> arguments)
    {
        var reader = new XdrReader(arguments.Span);
        return Decode(ref reader, arguments);
    }

    public void Encode(XdrWriter writer)
    {
        Dir.Encode(writer);
        writer.WriteString(Name);
    }
}
