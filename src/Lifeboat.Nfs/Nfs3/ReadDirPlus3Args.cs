using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.Nfs.Nfs3;

/// <summary>
/// READDIRPLUS3args: where to continue, the budget for the directory part of the entries (<see cref="DirCount"/>) and
/// for the whole reply (<see cref="MaxCount"/>).
/// </summary>
public readonly record struct ReadDirPlus3Args(Nfs3FileHandle Dir, ulong Cookie, ulong CookieVerifier, uint DirCount, uint MaxCount)
{
    public static ReadDirPlus3Args Decode(ReadOnlyMemory<byte> arguments)
    {
        var reader = new XdrReader(arguments.Span);
        var dir = Nfs3FileHandle.Decode(ref reader, arguments);
        return new ReadDirPlus3Args(dir, reader.ReadUInt64(), reader.ReadUInt64(), reader.ReadUInt32(), reader.ReadUInt32());
    }

    public void Encode(XdrWriter writer)
    {
        Dir.Encode(writer);
        writer.WriteUInt64(Cookie);
        writer.WriteUInt64(CookieVerifier);
        writer.WriteUInt32(DirCount);
        writer.WriteUInt32(MaxCount);
    }
}
