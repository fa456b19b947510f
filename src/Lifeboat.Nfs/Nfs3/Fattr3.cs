using System.Buffers.Binary;
using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.Nfs.Nfs3;

/// <summary>fattr3 of RFC 1813 section 2.6: the attributes of a file system object.</summary>
public readonly record struct Fattr3(
    Ftype3 Type,
    uint Mode,
    uint Nlink,
    uint Uid,
    uint Gid,
    ulong Size,
    ulong Used,
    uint RdevMajor,
    uint RdevMinor,
    ulong Fsid,
    ulong Fileid,
    NfsTime3 Atime,
    NfsTime3 Mtime,
    NfsTime3 Ctime)
{
    /// <summary>Bytes of an encoded fattr3.</summary>
    public const int EncodedSize = 84;

    /// <summary>The wcc_attr subset a WRITE or SETATTR reports as the state before the operation.</summary>
    public WccAttr ToWccAttr() => new(Size, Mtime, Ctime);

    public void Encode(XdrWriter writer)
    {
        writer.WriteUInt32((uint)Type);
        writer.WriteUInt32(Mode);
        writer.WriteUInt32(Nlink);
        writer.WriteUInt32(Uid);
        writer.WriteUInt32(Gid);
        writer.WriteUInt64(Size);
        writer.WriteUInt64(Used);
        writer.WriteUInt32(RdevMajor);
        writer.WriteUInt32(RdevMinor);
        writer.WriteUInt64(Fsid);
        writer.WriteUInt64(Fileid);
        Atime.Encode(writer);
        Mtime.Encode(writer);
        Ctime.Encode(writer);
    }

    /// <summary>Encodes into <see cref="EncodedSize"/> bytes of <paramref name="destination"/>, for replies assembled in place.</summary>
    public void Write(Span<byte> destination)
    {
        destination = destination[..EncodedSize];
        BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)Type);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], Mode);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], Nlink);
        BinaryPrimitives.WriteUInt32BigEndian(destination[12..], Uid);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], Gid);
        BinaryPrimitives.WriteUInt64BigEndian(destination[20..], Size);
        BinaryPrimitives.WriteUInt64BigEndian(destination[28..], Used);
        BinaryPrimitives.WriteUInt32BigEndian(destination[36..], RdevMajor);
        BinaryPrimitives.WriteUInt32BigEndian(destination[40..], RdevMinor);
        BinaryPrimitives.WriteUInt64BigEndian(destination[44..], Fsid);
        BinaryPrimitives.WriteUInt64BigEndian(destination[52..], Fileid);
        BinaryPrimitives.WriteUInt32BigEndian(destination[60..], Atime.Seconds);
        BinaryPrimitives.WriteUInt32BigEndian(destination[64..], Atime.Nanoseconds);
        BinaryPrimitives.WriteUInt32BigEndian(destination[68..], Mtime.Seconds);
        BinaryPrimitives.WriteUInt32BigEndian(destination[72..], Mtime.Nanoseconds);
        BinaryPrimitives.WriteUInt32BigEndian(destination[76..], Ctime.Seconds);
        BinaryPrimitives.WriteUInt32BigEndian(destination[80..], Ctime.Nanoseconds);
    }

    public static Fattr3 Decode(ref XdrReader reader) => new(
        (Ftype3)reader.ReadUInt32(),
        reader.ReadUInt32(),
        reader.ReadUInt32(),
        reader.ReadUInt32(),
        reader.ReadUInt32(),
        reader.ReadUInt64(),
        reader.ReadUInt64(),
        reader.ReadUInt32(),
        reader.ReadUInt32(),
        reader.ReadUInt64(),
        reader.ReadUInt64(),
        NfsTime3.Decode(ref reader),
        NfsTime3.Decode(ref reader),
        NfsTime3.Decode(ref reader));

    /// <summary>post_op_attr: a bool, then the attributes when they follow.</summary>
    public static void EncodePostOp(XdrWriter writer, in Fattr3? attributes)
    {
        writer.WriteBool(attributes.HasValue);
        attributes?.Encode(writer);
    }

    public static Fattr3? DecodePostOp(ref XdrReader reader) => reader.ReadBool() ? Decode(ref reader) : null;
}
