using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.Nfs.Nfs3;

/// <summary>READ3args: up to <see cref="Count"/> bytes of a file from <see cref="Offset"/>.</summary>
public readonly record struct Read3Args(Nfs3FileHandle File, ulong Offset, uint Count)
{
    public static Read3Args Decode(ReadOnlyMemory<byte> arguments)
    {
        var reader = new XdrReader(arguments.Span);
        var handle = Nfs3FileHandle.Decode(ref reader, arguments);
        return new Read3Args(handle, reader.ReadUInt64(), reader.ReadUInt32());
    }

    public void Encode(XdrWriter writer)
    {
        File.Encode(writer);
        writer.WriteUInt64(Offset);
        writer.WriteUInt32(Count);
    }
}
