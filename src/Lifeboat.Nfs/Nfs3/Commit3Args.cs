using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.Nfs.Nfs3;

/// <summary>COMMIT3args: the range of earlier UNSTABLE writes to make durable (0, 0 for the whole file).</summary>
public readonly record struct Commit3Args(Nfs3FileHandle File, ulong Offset, uint Count)
{
    public static Commit3Args Decode(ReadOnlyMemory<byte> arguments)
    {
        var reader = new XdrReader(arguments.Span);
        var file = Nfs3FileHandle.Decode(ref reader, arguments);
        return new Commit3Args(file, reader.ReadUInt64(), reader.ReadUInt32());
    }

    public void Encode(XdrWriter writer)
    {
        File.Encode(writer);
        writer.WriteUInt64(Offset);
        writer.WriteUInt32(Count);
    }
}
