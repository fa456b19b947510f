using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.Nfs.Nfs3;

/// <summary>READDIR3args: where to continue (cookie and cookie verifier) and the reply's byte budget.</summary>
public readonly record struct ReadDir3Args(Nfs3FileHandle Dir, ulong Cookie, ulong CookieVerifier, uint Count)
{
    public static ReadDir3Args Decode(ReadOnlyMemory<byte> arguments)
    {
        var reader = new XdrReader(arguments.Span);
        var dir = Nfs3FileHandle.Decode(ref reader, arguments);
        return new ReadDir3Args(dir, reader.ReadUInt64(), reader.ReadUInt64(), reader.ReadUInt32());
    }

    public void Encode(XdrWriter writer)
    {
        Dir.Encode(writer);
        writer.WriteUInt64(Cookie);
        writer.WriteUInt64(CookieVerifier);
        writer.WriteUInt32(Count);
    }
}
