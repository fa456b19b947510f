using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.Nfs.Nfs3;

/// <summary>sattr3 of RFC 1813 section 2.6: the attributes a client asks to set; null means leave unchanged.</summary>
public readonly record struct Sattr3(uint? Mode, uint? Uid, uint? Gid, ulong? Size, SetTime3 Atime, SetTime3 Mtime)
{
    public bool IsEmpty => Mode is null && Uid is null && Gid is null && Size is null && !Atime.IsSet && !Mtime.IsSet;

    public static Sattr3 Decode(ref XdrReader reader)
    {
        uint? mode = reader.ReadBool() ? reader.ReadUInt32() : null;
        uint? uid = reader.ReadBool() ? reader.ReadUInt32() : null;
        uint? gid = reader.ReadBool() ? reader.ReadUInt32() : null;
        ulong? size = reader.ReadBool() ? reader.ReadUInt64() : null;
        var atime = SetTime3.Decode(ref reader);
        var mtime = SetTime3.Decode(ref reader);
        return new Sattr3(mode, uid, gid, size, atime, mtime);
    }

    public void Encode(XdrWriter writer)
    {
        WriteOptional(writer, Mode);
        WriteOptional(writer, Uid);
        WriteOptional(writer, Gid);
        writer.WriteBool(Size.HasValue);
        if (Size.HasValue)
        {
            writer.WriteUInt64(Size.Value);
        }

        Atime.Encode(writer);
        Mtime.Encode(writer);
    }

    private static void WriteOptional(XdrWriter writer, uint? value)
    {
        writer.WriteBool(value.HasValue);
        if (value.HasValue)
        {
            writer.WriteUInt32(value.Value);
        }
    }
}
