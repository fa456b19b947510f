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

        // Fragments may have any length (RFC 5531 allows a split at any byte), so each is copied by its own header's
        // length and nothing assumes 4-byte alignment of fragment boundaries.
        var reader = new SequenceReader<byte>(Framed);
        var written = 0;
        for (var fragment = 0; fragment < FragmentCount; fragment++)
        {
            if (!reader.TryReadBigEndian(out int header))
            {
                throw new InvalidOperationException("A marked record ended inside a fragment header; it was not produced by RecordMarkingReader.");
            }

            var fragmentLength = header & RecordMarkingReader.LengthMask;
            if (fragmentLength > Length - written || !reader.TryCopyTo(destination.Slice(written, fragmentLength)))
            {
                throw new InvalidOperationException("A marked record's fragments do not add up to its length; it was not produced by RecordMarkingReader.");
            }

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
