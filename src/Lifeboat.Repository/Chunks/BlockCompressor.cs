using K4os.Compression.LZ4;
using ZstdSharp;

namespace Lifeboat.Repository.Chunks;

/// <summary>Compresses blocks for one backup worker (the zstd context is not thread-safe, so one per worker).</summary>
internal sealed class BlockCompressor : IDisposable
{
    // zstd level 1: on this CPU it compresses text ~2.2x at 140-190 MB/s a core; level 3 halves the speed for ~10%.
    private const int ZstdLevel = 1;

    private Compressor? _zstd;

    /// <summary>
    /// Compresses into <paramref name="destination"/>; returns the length, or 0 when the result would not be
    /// smaller than the input (give a destination one byte shorter than the input to enforce that).
    /// </summary>
    public int TryCompress(CompressionCodec codec, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        switch (codec)
        {
            case CompressionCodec.Lz4:
                int written = LZ4Codec.Encode(source, destination, LZ4Level.L00_FAST);
                return written > 0 ? written : 0;
            case CompressionCodec.Zstd:
                _zstd ??= new Compressor(ZstdLevel);
                return _zstd.TryWrap(source, destination, out int zstdWritten) ? zstdWritten : 0;
            default:
                return 0;
        }
    }

    public void Dispose() => _zstd?.Dispose();
}
