using System.Buffers;

namespace Lifeboat.OncRpc.RecordMarking;

/// <summary>
/// One record of a record-marked stream (RFC 5531 section 11), still in the receive buffer with its fragment
/// headers. Copy it out with <see cref="CopyTo"/> before the buffer is advanced past it.
/// </summary>
public readonly struct MarkedRecord
{
    internal MarkedRecord(ReadOnlySequence<byte> framed, int length, int fragmentCount)
    {
        Framed = framed;
        Length = length;
        FragmentCount = fragmentCount;
    }

    /// <summary>The record's bytes as they arrived, fragment headers included.</summary>
    public ReadOnlySequence<byte> Framed { get; }

    /// <summary>The record's length without fragment headers.</summary>
    public int Length { get; }

    public int FragmentCount { get; }

    /// <summary>Copies the record's payload, without the fragment headers, to <paramref name="destination"/>.</summary>
    public void CopyTo(Span<byte> destination)
    {
        if (destination.Length < Length)
        {
            throw new ArgumentException($"The destination needs {Length} bytes but has {destination.Length}.", nameof(destination));
        }

        if (FragmentCount == 1)
        {
            Framed.Slice(RecordMarkingReader.HeaderSize).CopyTo(destination);
            return;
        }

        var reader = new SequenceReader<byte>(Framed);
        var written = 0;
        while (written < Length)
        {
            reader.TryReadBigEndian(out int header);
            var fragmentLength = header & RecordMarkingReader.LengthMask;
            reader.TryCopyTo(destination.Slice(written, fragmentLength));
            reader.Advance(fragmentLength);
            written += fragmentLength;
        }
    }

    public byte[] ToArray()
    {
        var array = new byte[Length];
        CopyTo(array);
        return array;
    }
}
