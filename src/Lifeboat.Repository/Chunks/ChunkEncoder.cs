using System.IO.Hashing;
using Lifeboat.Repository.Crypto;

namespace Lifeboat.Repository.Chunks;

/// <summary>Turns a block into a chunk record: compress (kept only if smaller), encrypt, checksum. One per worker.</summary>
internal sealed class ChunkEncoder : IDisposable
{
    private readonly CompressionCodec _codec;
    private readonly AuthenticatedCipher? _cipher;
    private readonly BlockCompressor _compressor = new();
    private byte[] _scratch = [];

    public ChunkEncoder(CompressionCodec codec, AuthenticatedCipher? cipher)
    {
        _codec = codec;
        _cipher = cipher;
    }

    /// <summary>Room a record of a block of <paramref name="blockSize"/> bytes can take.</summary>
    public static int MaxRecordLength(int blockSize) =>
        ChunkRecordHeader.Size + ChunkRecordHeader.MaxStoredLength(blockSize, encrypted: true);

    /// <summary>Writes the record of <paramref name="block"/> to <paramref name="destination"/> (at least <see cref="MaxRecordLength"/> bytes).</summary>
    public ChunkRecordHeader Encode(ReadOnlySpan<byte> block, ChunkId id, Span<byte> destination)
    {
        bool encrypted = _cipher is not null;
        var body = destination[ChunkRecordHeader.Size..];
        var codec = _codec;
        int stored;
        if (_cipher is null)
        {
            stored = _compressor.TryCompress(codec, block, body[..(block.Length - 1)]);
            if (stored == 0)
            {
                codec = CompressionCodec.None;
                block.CopyTo(body);
                stored = block.Length;
            }
        }
        else
        {
            if (_scratch.Length < block.Length)
            {
                _scratch = new byte[block.Length];
            }

            int compressed = _compressor.TryCompress(codec, block, _scratch.AsSpan(0, block.Length - 1));
            ReadOnlySpan<byte> plaintext = compressed > 0 ? _scratch.AsSpan(0, compressed) : block;
            if (compressed == 0)
            {
                codec = CompressionCodec.None;
            }

            Span<byte> aad = stackalloc byte[ChunkId.Size];
            id.WriteTo(aad);
            stored = plaintext.Length + AuthenticatedCipher.Overhead;
            _cipher.Seal(plaintext, aad, body[..stored]);
        }

        var header = new ChunkRecordHeader(
            codec,
            encrypted ? ChunkRecordHeader.FlagEncrypted : (byte)0,
            block.Length,
            stored,
            id,
            Crc32.HashToUInt32(body[..stored]));
        header.Write(destination);
        return header;
    }

    public void Dispose() => _compressor.Dispose();
}
