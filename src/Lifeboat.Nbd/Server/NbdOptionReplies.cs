using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Lifeboat.Nbd.Protocol;

namespace Lifeboat.Nbd.Server;

/// <summary>
/// The handshake's answers to one option, gathered and sent together: option replies (header and data), or the old
/// NBD_OPT_EXPORT_NAME answer that has no header.
/// </summary>
internal sealed class NbdOptionReplies(Func<ReadOnlyMemory<byte>, ValueTask> send)
{
    private readonly ArrayBufferWriter<byte> _buffer = new(256);

    public void Reply(NbdOption option, NbdOptionReplyType type, ReadOnlySpan<byte> data = default)
    {
        var span = _buffer.GetSpan(NbdWire.OptionReplyHeaderSize + data.Length);
        BinaryPrimitives.WriteUInt64BigEndian(span, NbdMagic.OptionReply);
        BinaryPrimitives.WriteUInt32BigEndian(span[8..], (uint)option);
        BinaryPrimitives.WriteUInt32BigEndian(span[12..], (uint)type);
        BinaryPrimitives.WriteUInt32BigEndian(span[16..], (uint)data.Length);
        data.CopyTo(span[NbdWire.OptionReplyHeaderSize..]);
        _buffer.Advance(NbdWire.OptionReplyHeaderSize + data.Length);
    }

    public void Error(NbdOption option, NbdOptionReplyType type, string message) => Reply(option, type, Encoding.UTF8.GetBytes(message));

    public void InfoExport(NbdOption option, long size, NbdTransmissionFlags flags)
    {
        Span<byte> info = stackalloc byte[12];
        BinaryPrimitives.WriteUInt16BigEndian(info, (ushort)NbdInfoType.Export);
        BinaryPrimitives.WriteUInt64BigEndian(info[2..], (ulong)size);
        BinaryPrimitives.WriteUInt16BigEndian(info[10..], (ushort)flags);
        Reply(option, NbdOptionReplyType.Info, info);
    }

    public void InfoBlockSize(NbdOption option, uint minimum, uint preferred, uint maximum)
    {
        Span<byte> info = stackalloc byte[14];
        BinaryPrimitives.WriteUInt16BigEndian(info, (ushort)NbdInfoType.BlockSize);
        BinaryPrimitives.WriteUInt32BigEndian(info[2..], minimum);
        BinaryPrimitives.WriteUInt32BigEndian(info[6..], preferred);
        BinaryPrimitives.WriteUInt32BigEndian(info[10..], maximum);
        Reply(option, NbdOptionReplyType.Info, info);
    }

    /// <summary>The export's name as the client sent it (capped by the option's length check).</summary>
    public void InfoName(NbdOption option, ReadOnlySpan<byte> name)
    {
        var info = new byte[2 + name.Length];
        BinaryPrimitives.WriteUInt16BigEndian(info, (ushort)NbdInfoType.Name);
        name.CopyTo(info.AsSpan(2));
        Reply(option, NbdOptionReplyType.Info, info);
    }

    /// <summary>NBD_OPT_EXPORT_NAME's answer: size and flags, then 124 zeroes unless the client set NBD_FLAG_C_NO_ZEROES.</summary>
    public void ExportName(long size, NbdTransmissionFlags flags, bool noZeroes)
    {
        var reply = _buffer.GetSpan(NbdWire.ExportNameReplySize + NbdWire.ExportNameReplyZeroes);
        BinaryPrimitives.WriteUInt64BigEndian(reply, (ulong)size);
        BinaryPrimitives.WriteUInt16BigEndian(reply[8..], (ushort)flags);
        var length = NbdWire.ExportNameReplySize;
        if (!noZeroes)
        {
            reply.Slice(length, NbdWire.ExportNameReplyZeroes).Clear();
            length += NbdWire.ExportNameReplyZeroes;
        }

        _buffer.Advance(length);
    }

    public async ValueTask FlushAsync()
    {
        if (_buffer.WrittenCount > 0)
        {
            await send(_buffer.WrittenMemory).ConfigureAwait(false);
            _buffer.Clear();
        }
    }
}
