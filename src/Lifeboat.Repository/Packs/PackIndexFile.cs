using System.Buffers.Binary;
using Lifeboat.Repository.Chunks;
using Lifeboat.Repository.Crypto;
using Lifeboat.Repository.Format;

namespace Lifeboat.Repository.Packs;

/// <summary>
/// `index/&lt;packId&gt;.idx`: an envelope (magic "LBINDEX\0", encrypted when the repository is) whose payload is
/// the 16-byte pack id, a u32 entry count, then per entry: chunk id (32), u64 record offset, u32 stored length,
/// u32 raw length, u8 codec.
/// </summary>
internal static class PackIndexFile
{
    public const ushort Version = 1;
    public const int MaxEntries = 1 << 17;
    public const int MaxPayloadLength = 20 + (MaxEntries * PackIndexEntry.EncodedSize) + AuthenticatedCipher.Overhead;

    public static byte[] Encode(string packId, IReadOnlyList<PackIndexEntry> entries, AuthenticatedCipher? cipher)
    {
        if (entries.Count > MaxEntries)
        {
            throw new ArgumentException($"A pack holds at most {MaxEntries} chunks.", nameof(entries));
        }

        var payload = new byte[20 + (entries.Count * PackIndexEntry.EncodedSize)];
        Convert.FromHexString(packId, payload.AsSpan(0, 16), out _, out _);
        BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(16), entries.Count);
        var span = payload.AsSpan(20);
        foreach (var entry in entries)
        {
            entry.Id.WriteTo(span);
            BinaryPrimitives.WriteInt64LittleEndian(span[32..], entry.Offset);
            BinaryPrimitives.WriteInt32LittleEndian(span[40..], entry.StoredLength);
            BinaryPrimitives.WriteInt32LittleEndian(span[44..], entry.RawLength);
            span[48] = (byte)entry.Codec;
            span = span[PackIndexEntry.EncodedSize..];
        }

        return Envelope.Encode(EnvelopeMagic.Index, Version, payload, cipher);
    }

    /// <summary>Parses an index file's bytes; returns null with a reason when they are not a valid index of <paramref name="packId"/>.</summary>
    public static PackIndexEntry[]? TryDecode(ReadOnlySpan<byte> file, string packId, AuthenticatedCipher? cipher, int blockSize, out string? problem)
    {
        if (!Envelope.TryOpen(file, EnvelopeMagic.Index, Version, MaxPayloadLength, cipher, out var payload, out problem))
        {
            return null;
        }

        return Parse(payload, packId, blockSize, out problem);
    }

    private static PackIndexEntry[]? Parse(ReadOnlySpan<byte> payload, string packId, int blockSize, out string? problem)
    {
        if (payload.Length < 20)
        {
            problem = "its payload is truncated";
            return null;
        }

        if (!Convert.ToHexStringLower(payload[..16]).Equals(packId, StringComparison.Ordinal))
        {
            problem = "it names another pack";
            return null;
        }

        int count = BinaryPrimitives.ReadInt32LittleEndian(payload[16..]);
        if (count < 0 || count > MaxEntries || payload.Length != 20 + ((long)count * PackIndexEntry.EncodedSize))
        {
            problem = "its entry count does not match its length";
            return null;
        }

        var entries = new PackIndexEntry[count];
        var span = payload[20..];
        int maxStored = ChunkRecordHeader.MaxStoredLength(blockSize, encrypted: true);
        for (int i = 0; i < count; i++)
        {
            var entry = new PackIndexEntry(
                ChunkId.Read(span),
                BinaryPrimitives.ReadInt64LittleEndian(span[32..]),
                BinaryPrimitives.ReadInt32LittleEndian(span[40..]),
                BinaryPrimitives.ReadInt32LittleEndian(span[44..]),
                (CompressionCodec)span[48]);
            if (entry.Offset < 0 || entry.StoredLength <= 0 || entry.StoredLength > maxStored
                || entry.RawLength != blockSize || entry.Codec > CompressionCodec.Zstd || entry.Id.IsZero)
            {
                problem = $"entry {i} is out of range";
                return null;
            }

            entries[i] = entry;
            span = span[PackIndexEntry.EncodedSize..];
        }

        problem = null;
        return entries;
    }
}
