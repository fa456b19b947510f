using System.Buffers;
using System.Buffers.Binary;

namespace Lifeboat.Nbd.Protocol;

/// <summary>
/// The header of a simple reply or of a structured reply chunk, told apart by their magic. For a simple reply
/// <see cref="Type"/> and <see cref="Flags"/> are zero and <see cref="Length"/> is not on the wire (only the
/// request says whether data follows).
/// </summary>
public readonly record struct NbdReplyHeader(bool IsStructured, NbdError Error, NbdReplyFlags Flags, NbdReplyType Type, ulong Cookie, uint Length)
{
    public static void WriteSimple(Span<byte> destination, NbdError error, ulong cookie)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, NbdMagic.SimpleReply);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], (uint)error);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], cookie);
    }

    public static void WriteStructured(Span<byte> destination, NbdReplyFlags flags, NbdReplyType type, ulong cookie, uint length)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, NbdMagic.StructuredReply);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], (ushort)flags);
        BinaryPrimitives.WriteUInt16BigEndian(destination[6..], (ushort)type);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], cookie);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], length);
    }

    /// <summary>
    /// Reads a reply header: <see cref="NbdParseStatus.NeedMoreData"/> leaves the reader where it was,
    /// <see cref="NbdParseStatus.Malformed"/> means neither reply magic.
    /// </summary>
    public static NbdParseStatus TryRead(ref SequenceReader<byte> reader, out NbdReplyHeader header)
    {
        header = default;
        if (!reader.TryReadBigEndian(out int magicValue))
        {
            return NbdParseStatus.NeedMoreData;
        }

        var magic = (uint)magicValue;
        if (magic == NbdMagic.SimpleReply)
        {
            if (reader.Remaining < NbdWire.SimpleReplyHeaderSize - 4)
            {
                reader.Rewind(4);
                return NbdParseStatus.NeedMoreData;
            }

            reader.TryReadBigEndian(out int error);
            reader.TryReadBigEndian(out long cookie);
            header = new NbdReplyHeader(false, (NbdError)(uint)error, NbdReplyFlags.None, NbdReplyType.None, (ulong)cookie, 0);
            return NbdParseStatus.Complete;
        }

        if (magic == NbdMagic.StructuredReply)
        {
            if (reader.Remaining < NbdWire.StructuredReplyHeaderSize - 4)
            {
                reader.Rewind(4);
                return NbdParseStatus.NeedMoreData;
            }

            reader.TryReadBigEndian(out short flags);
            reader.TryReadBigEndian(out short type);
            reader.TryReadBigEndian(out long cookie);
            reader.TryReadBigEndian(out int length);
            header = new NbdReplyHeader(true, NbdError.None, (NbdReplyFlags)(ushort)flags, (NbdReplyType)(ushort)type, (ulong)cookie, (uint)length);
            return NbdParseStatus.Complete;
        }

        reader.Rewind(4);
        return NbdParseStatus.Malformed;
    }
}
