using System.Buffers;
using System.Buffers.Binary;

namespace Lifeboat.OncRpc.RecordMarking;

/// <summary>
/// Finds records in a record-marked TCP stream (RFC 5531 section 11): each fragment is a 4-byte header (high bit
/// set on the record's last fragment, low 31 bits the fragment's length) followed by its bytes. Stateless: it
/// rescans the fragments at the start of the buffer on every call, so the caller keeps unconsumed bytes buffered
/// until a record is complete, which the caps bound.
/// </summary>
public sealed class RecordMarkingReader
{
    /// <summary>1 MiB of NFS WRITE data plus room for its headers.</summary>
    public const int DefaultMaxRecordSize = (1024 + 64) * 1024;

    /// <summary>Bounds the fragment headers of one record, so a stream of empty fragments cannot grow a record forever.</summary>
    public const int DefaultMaxFragmentsPerRecord = 1024;

    internal const int HeaderSize = 4;
    internal const int LengthMask = 0x7FFF_FFFF;
    private const uint LastFragmentFlag = 0x8000_0000;

    public RecordMarkingReader(int maxRecordSize = DefaultMaxRecordSize, int maxFragmentsPerRecord = DefaultMaxFragmentsPerRecord)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxRecordSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxFragmentsPerRecord);
        MaxRecordSize = maxRecordSize;
        MaxFragmentsPerRecord = maxFragmentsPerRecord;
    }

    /// <summary>The largest record (and so the largest fragment) accepted, without fragment headers.</summary>
    public int MaxRecordSize { get; }

    public int MaxFragmentsPerRecord { get; }

    /// <summary>
    /// If a whole record starts <paramref name="buffer"/>, returns <see cref="RecordMarkingStatus.Complete"/>, the
    /// record, and <paramref name="buffer"/> advanced past it. Otherwise leaves <paramref name="buffer"/> unchanged and
    /// says whether more data is needed or the record breaks a cap (the connection should then be closed).
    /// </summary>
    public RecordMarkingStatus TryReadRecord(ref ReadOnlySequence<byte> buffer, out MarkedRecord record)
    {
        record = default;
        Span<byte> headerBytes = stackalloc byte[HeaderSize];
        long offset = 0;
        long length = 0;
        var fragments = 0;
        while (true)
        {
            if (buffer.Length - offset < HeaderSize)
            {
                return RecordMarkingStatus.NeedMoreData;
            }

            buffer.Slice(offset, HeaderSize).CopyTo(headerBytes);
            var header = BinaryPrimitives.ReadUInt32BigEndian(headerBytes);
            var fragmentLength = header & LengthMask;
            fragments++;
            length += fragmentLength;
            if (length > MaxRecordSize || fragments > MaxFragmentsPerRecord)
            {
                return RecordMarkingStatus.TooLarge;
            }

            offset += HeaderSize + fragmentLength;
            if (buffer.Length < offset)
            {
                return RecordMarkingStatus.NeedMoreData;
            }

            if ((header & LastFragmentFlag) != 0)
            {
                record = new MarkedRecord(buffer.Slice(0, offset), (int)length, fragments);
                buffer = buffer.Slice(offset);
                return RecordMarkingStatus.Complete;
            }
        }
    }

    /// <summary>Writes the header of a record sent as a single fragment of <paramref name="length"/> bytes.</summary>
    public static void WriteLastFragmentHeader(Span<byte> destination, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        BinaryPrimitives.WriteUInt32BigEndian(destination, LastFragmentFlag | (uint)length);
    }
}
