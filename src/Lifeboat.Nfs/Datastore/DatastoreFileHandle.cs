using System.Buffers.Binary;
using Lifeboat.Nfs.Nfs3;

namespace Lifeboat.Nfs.Datastore;

/// <summary>
/// The content of the NFS file handles this datastore hands out. They are deterministic, so they stay valid across a
/// restart of the mount server: magic "LB", format version, node kind, the datastore's id, the publication's id, the
/// object's id within the publication (generated file or disk index, or inode number of a client-created file) and a
/// generation that tells a client-created file from a later one reusing its inode number. All big-endian.
/// </summary>
internal readonly record struct DatastoreFileHandle(
    DatastoreNodeKind Kind,
    ulong DatastoreId,
    ulong PublicationId,
    ulong ObjectId,
    uint Generation)
{
    public const int Size = 32;
    private const byte Version = 1;

    public void Write(Span<byte> destination)
    {
        destination[0] = (byte)'L';
        destination[1] = (byte)'B';
        destination[2] = Version;
        destination[3] = (byte)Kind;
        BinaryPrimitives.WriteUInt64BigEndian(destination[4..], DatastoreId);
        BinaryPrimitives.WriteUInt64BigEndian(destination[12..], PublicationId);
        BinaryPrimitives.WriteUInt64BigEndian(destination[20..], ObjectId);
        BinaryPrimitives.WriteUInt32BigEndian(destination[28..], Generation);
    }

    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        Write(bytes);
        return bytes;
    }

    /// <summary>NFS3ERR_BADHANDLE when the bytes are not a handle of this format; the ids are checked by the caller.</summary>
    public static Nfs3Status TryParse(ReadOnlySpan<byte> source, out DatastoreFileHandle handle)
    {
        handle = default;
        if (source.Length != Size || source[0] != 'L' || source[1] != 'B' || source[2] != Version)
        {
            return Nfs3Status.BadHandle;
        }

        var kind = (DatastoreNodeKind)source[3];
        if (kind is < DatastoreNodeKind.ExportRoot or > DatastoreNodeKind.Local)
        {
            return Nfs3Status.BadHandle;
        }

        handle = new DatastoreFileHandle(
            kind,
            BinaryPrimitives.ReadUInt64BigEndian(source[4..]),
            BinaryPrimitives.ReadUInt64BigEndian(source[12..]),
            BinaryPrimitives.ReadUInt64BigEndian(source[20..]),
            BinaryPrimitives.ReadUInt32BigEndian(source[28..]));
        return Nfs3Status.Ok;
    }
}
