using System.Buffers.Binary;
using System.IO.Hashing;
using Lifeboat.Repository.Crypto;

namespace Lifeboat.Repository.Format;

/// <summary>
/// Frame of every repository file: 8-byte magic, u16 version, u16 flags (bit0 = payload encrypted),
/// u32 payload length, payload, then u64 XxHash64 of everything before it. All little-endian.
/// An encrypted payload is nonce || AES-256-GCM ciphertext || tag with the magic as associated data.
/// </summary>
internal static class Envelope
{
    public const int MagicLength = 8;
    public const int HeaderLength = 16;
    public const int TrailerLength = 8;
    public const int Overhead = HeaderLength + TrailerLength;
    public const ushort FlagEncrypted = 1;

    public static byte[] Encode(ReadOnlySpan<byte> magic, ushort version, ReadOnlySpan<byte> payload, AuthenticatedCipher? cipher)
    {
        if (magic.Length != MagicLength)
        {
            throw new ArgumentException("An envelope magic is exactly 8 bytes.", nameof(magic));
        }

        int storedLength = cipher is null ? payload.Length : payload.Length + AuthenticatedCipher.Overhead;
        var buffer = new byte[Overhead + storedLength];
        var span = buffer.AsSpan();
        magic.CopyTo(span);
        BinaryPrimitives.WriteUInt16LittleEndian(span[8..], version);
        BinaryPrimitives.WriteUInt16LittleEndian(span[10..], cipher is null ? (ushort)0 : FlagEncrypted);
        BinaryPrimitives.WriteUInt32LittleEndian(span[12..], (uint)storedLength);
        var body = span.Slice(HeaderLength, storedLength);
        if (cipher is null)
        {
            payload.CopyTo(body);
        }
        else
        {
            cipher.Seal(payload, magic, body);
        }

        BinaryPrimitives.WriteUInt64LittleEndian(span[(HeaderLength + storedLength)..], XxHash64.HashToUInt64(span[..(HeaderLength + storedLength)]));
        return buffer;
    }

    /// <summary>Reads the header; reports <see cref="EnvelopeStatus.NeedMoreData"/> until 16 bytes are there.</summary>
    public static EnvelopeStatus TryReadHeader(ReadOnlySpan<byte> data, ReadOnlySpan<byte> magic, ushort maxVersion, int maxPayloadLength, out EnvelopeHeader header)
    {
        header = default;
        if (data.Length < HeaderLength)
        {
            return EnvelopeStatus.NeedMoreData;
        }

        if (!data[..MagicLength].SequenceEqual(magic))
        {
            return EnvelopeStatus.BadMagic;
        }

        header = new EnvelopeHeader(
            BinaryPrimitives.ReadUInt16LittleEndian(data[8..]),
            BinaryPrimitives.ReadUInt16LittleEndian(data[10..]),
            BinaryPrimitives.ReadUInt32LittleEndian(data[12..]));
        if (header.Version > maxVersion)
        {
            return EnvelopeStatus.NewerVersion;
        }

        return header.PayloadLength > (uint)maxPayloadLength ? EnvelopeStatus.TooLarge : EnvelopeStatus.Ok;
    }

    /// <summary>
    /// Checks a whole envelope held in <paramref name="data"/> and returns its (still encrypted, if flagged) payload.
    /// Trailing bytes after the checksum are an error: a file holds exactly one envelope.
    /// </summary>
    public static EnvelopeStatus TryDecode(
        ReadOnlySpan<byte> data,
        ReadOnlySpan<byte> magic,
        ushort maxVersion,
        int maxPayloadLength,
        out EnvelopeHeader header,
        out ReadOnlySpan<byte> payload)
    {
        payload = default;
        var status = TryReadHeader(data, magic, maxVersion, maxPayloadLength, out header);
        if (status != EnvelopeStatus.Ok)
        {
            return status;
        }

        long total = Overhead + (long)header.PayloadLength;
        if (data.Length < total)
        {
            return EnvelopeStatus.NeedMoreData;
        }

        if (data.Length > total)
        {
            return EnvelopeStatus.BadLength;
        }

        int end = HeaderLength + (int)header.PayloadLength;
        if (XxHash64.HashToUInt64(data[..end]) != BinaryPrimitives.ReadUInt64LittleEndian(data[end..]))
        {
            return EnvelopeStatus.BadChecksum;
        }

        payload = data[HeaderLength..end];
        return EnvelopeStatus.Ok;
    }

    /// <summary>
    /// Checks a whole envelope and returns its plaintext payload, decrypting it when the repository is encrypted;
    /// false with a reason when the file is damaged, of the wrong kind, or encrypted differently from the repository.
    /// </summary>
    public static bool TryOpen(
        ReadOnlySpan<byte> file,
        ReadOnlySpan<byte> magic,
        ushort maxVersion,
        int maxPayloadLength,
        AuthenticatedCipher? cipher,
        out ReadOnlySpan<byte> payload,
        out string? problem)
    {
        var status = TryDecode(file, magic, maxVersion, maxPayloadLength, out var header, out payload);
        if (status != EnvelopeStatus.Ok)
        {
            problem = Describe(status);
            return false;
        }

        if (header.Encrypted != (cipher is not null))
        {
            problem = header.Encrypted ? "it is encrypted but the repository is not" : "it is not encrypted but the repository is";
            return false;
        }

        problem = null;
        if (cipher is null)
        {
            return true;
        }

        if (payload.Length < AuthenticatedCipher.Overhead)
        {
            problem = "its encrypted payload is truncated";
            return false;
        }

        var plain = new byte[payload.Length - AuthenticatedCipher.Overhead];
        if (!cipher.TryOpen(payload, magic, plain))
        {
            problem = "it fails authentication";
            return false;
        }

        payload = plain;
        return true;
    }

    public static string Describe(EnvelopeStatus status) => status switch
    {
        EnvelopeStatus.NeedMoreData => "it is truncated",
        EnvelopeStatus.BadMagic => "it does not start with the expected magic",
        EnvelopeStatus.NewerVersion => "it was written by a newer Lifeboat",
        EnvelopeStatus.TooLarge => "its length field is larger than allowed",
        EnvelopeStatus.BadLength => "its length does not match its length field",
        EnvelopeStatus.BadChecksum => "its checksum does not match",
        _ => "it is valid",
    };
}
