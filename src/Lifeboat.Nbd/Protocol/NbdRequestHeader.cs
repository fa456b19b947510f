using System.Buffers;
using System.Buffers.Binary;

namespace Lifeboat.Nbd.Protocol;

/// <summary>A transmission-phase request header (the payload of a WRITE follows it).</summary>
public readonly record struct NbdRequestHeader(NbdCommandFlags Flags, NbdCommand Command, ulong Cookie, ulong Offset, uint Length)
{
    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, NbdMagic.Request);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], (ushort)Flags);
        BinaryPrimitives.WriteUInt16BigEndian(destination[6..], (ushort)Command);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], Cookie);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], Offset);
        BinaryPrimitives.WriteUInt32BigEndian(destination[24..], Length);
    }

    /// <summary>
    /// Reads a header from the start of <paramref name="buffer"/>: false when fewer than 28 bytes are there.
    /// The magic is returned, not checked, so the caller decides what a wrong one means.
    /// </summary>
    public static bool TryRead(ref SequenceReader<byte> reader, out uint magic, out NbdRequestHeader header)
    {
        Span<byte> bytes = stackalloc byte[NbdWire.RequestHeaderSize];
        if (!reader.TryCopyTo(bytes))
        {
            magic = 0;
            header = default;
            return false;
        }

        reader.Advance(NbdWire.RequestHeaderSize);
        magic = BinaryPrimitives.ReadUInt32BigEndian(bytes);
        header = new NbdRequestHeader(
            (NbdCommandFlags)BinaryPrimitives.ReadUInt16BigEndian(bytes[4..]),
            (NbdCommand)BinaryPrimitives.ReadUInt16BigEndian(bytes[6..]),
            BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]),
            BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]),
            BinaryPrimitives.ReadUInt32BigEndian(bytes[24..]));
        return true;
    }
}
