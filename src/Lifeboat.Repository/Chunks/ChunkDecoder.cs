using System.Buffers;
using System.IO.Hashing;
using Lifeboat.Repository.Crypto;

namespace Lifeboat.Repository.Chunks;

/// <summary>Checks and decodes chunk records (Crc32, then authentication, then decompression). Thread-safe.</summary>
internal sealed class ChunkDecoder
{
    private readonly AuthenticatedCipher? _cipher;
    private readonly int _blockSize;

    public ChunkDecoder(AuthenticatedCipher? cipher, int blockSize)
    {
        _cipher = cipher;
        _blockSize = blockSize;
    }

    public int BlockSize => _blockSize;

    /// <summary>Bytes to read from a pack for a record whose stored length the index gave.</summary>
    public static int RecordLength(int storedLength) => ChunkRecordHeader.Size + storedLength;

    /// <summary>
    /// Decodes <paramref name="record"/> (header and stored bytes) into <paramref name="destination"/> (one block).
    /// Only the first <paramref name="prefixLength"/> bytes are guaranteed filled when the codec can stop early.
    /// </summary>
    public ChunkRecordStatus TryDecode(ReadOnlySpan<byte> record, ChunkId expectedId, Span<byte> destination, int prefixLength)
    {
        var status = ChunkRecordHeader.TryRead(record, _blockSize, out var header);
        if (status != ChunkRecordStatus.Ok)
        {
            return status;
        }

        if (header.Id != expectedId)
        {
            return ChunkRecordStatus.WrongId;
        }

        if (record.Length < header.RecordLength)
        {
            return ChunkRecordStatus.NeedMoreData;
        }

        if (record.Length != header.RecordLength)
        {
            // The index and the record disagree on its length: one of them is damaged.
            return ChunkRecordStatus.BadHeader;
        }

        if (header.RawLength != destination.Length || header.Encrypted != (_cipher is not null))
        {
            return ChunkRecordStatus.BadHeader;
        }

        var stored = record.Slice(ChunkRecordHeader.Size, header.StoredLength);
        if (Crc32.HashToUInt32(stored) != header.StoredCrc32)
        {
            return ChunkRecordStatus.BadChecksum;
        }

        if (_cipher is null)
        {
            return BlockDecompressor.TryDecompress(header.Codec, stored, destination, prefixLength)
                ? ChunkRecordStatus.Ok
                : ChunkRecordStatus.DecompressionFailed;
        }

        int plainLength = header.StoredLength - AuthenticatedCipher.Overhead;
        Span<byte> aad = stackalloc byte[ChunkId.Size];
        expectedId.WriteTo(aad);
        if (header.Codec == CompressionCodec.None)
        {
            return _cipher.TryOpen(stored, aad, destination) ? ChunkRecordStatus.Ok : ChunkRecordStatus.DecryptionFailed;
        }

        var plain = ArrayPool<byte>.Shared.Rent(plainLength);
        try
        {
            if (!_cipher.TryOpen(stored, aad, plain.AsSpan(0, plainLength)))
            {
                return ChunkRecordStatus.DecryptionFailed;
            }

            return BlockDecompressor.TryDecompress(header.Codec, plain.AsSpan(0, plainLength), destination, prefixLength)
                ? ChunkRecordStatus.Ok
                : ChunkRecordStatus.DecompressionFailed;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(plain);
        }
    }
}
