using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.Nfs.Nfs3;

/// <summary>
/// WRITE3args. <see cref="Data"/> points into the call's arguments (no copy); its length is checked against the
/// server's wtmax by the caller, not here, so an oversized write gets NFS3ERR_INVAL rather than GARBAGE_ARGS.
/// </summary>
public readonly record struct Write3Args(Nfs3FileHandle File, ulong Offset, uint Count, StableHow Stable, ReadOnlyMemory<byte> Data)
{
    public static Write3Args Decode(ReadOnlyMemory<byte> arguments)
    {
        var reader = new XdrReader(arguments.Span);
        var handle = Nfs3FileHandle.Decode(ref reader, arguments);
        var offset = reader.ReadUInt64();
        var count = reader.ReadUInt32();
        var stable = reader.ReadUInt32();
        if (stable > (uint)StableHow.FileSync)
        {
            throw new XdrException($"stable_how {stable} is not one of UNSTABLE, DATA_SYNC, FILE_SYNC.");
        }

        // The data already lies inside the arguments, so a large length allocates nothing; the record size cap of
        // the RPC server bounds it.
        var data = arguments[reader.ReadOpaqueRange(int.MaxValue)];
        return new Write3Args(handle, offset, count, (StableHow)stable, data);
    }

    public void Encode(XdrWriter writer)
    {
        File.Encode(writer);
        writer.WriteUInt64(Offset);
        writer.WriteUInt32(Count);
        writer.WriteUInt32((uint)Stable);
        writer.WriteOpaque(Data.Span);
    }
}
