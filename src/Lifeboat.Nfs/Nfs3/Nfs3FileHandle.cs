using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.Nfs.Nfs3;

/// <summary>
/// nfs_fh3 of RFC 1813 section 2.6: opaque data of at most <see cref="Nfs3Constants.FhSize"/> bytes. When decoded from
/// a call it points into the call's arguments and is valid only as long as they are.
/// </summary>
public readonly struct Nfs3FileHandle(ReadOnlyMemory<byte> data)
{
    public ReadOnlyMemory<byte> Data { get; } = data;

    public ReadOnlySpan<byte> Span => Data.Span;

    public static Nfs3FileHandle Decode(ref XdrReader reader, ReadOnlyMemory<byte> source) =>
        new(source[reader.ReadOpaqueRange(Nfs3Constants.FhSize)]);

    /// <summary>Decodes arguments that are a lone file handle (GETATTR, READLINK, FSSTAT, FSINFO, PATHCONF).</summary>
    public static Nfs3FileHandle Decode(ReadOnlyMemory<byte> arguments)
    {
        var reader = new XdrReader(arguments.Span);
        return Decode(ref reader, arguments);
    }

    public void Encode(XdrWriter writer) => writer.WriteOpaque(Span);

    /// <summary>post_op_fh3: a bool, then the handle when it follows.</summary>
    public static void EncodePostOp(XdrWriter writer, ReadOnlySpan<byte> handle)
    {
        writer.WriteBool(true);
        writer.WriteOpaque(handle);
    }
}
