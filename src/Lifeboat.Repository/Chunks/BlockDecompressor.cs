using K4os.Compression.LZ4;
using ZstdSharp;

namespace Lifeboat.Repository.Chunks;

/// <summary>Thread-safe decompression of stored chunks (one zstd context per thread).</summary>
internal static class BlockDecompressor
{
    [ThreadStatic]
    private static Decompressor? t_zstd;

    /// <summary>
    /// Decompresses exactly <paramref name="destination"/>.Length bytes, or for LZ4 only the first
    /// <paramref name="prefixLength"/> bytes when a reader needs no more. False on damaged input.
    /// </summary>
    public static bool TryDecompress(CompressionCodec codec, ReadOnlySpan<byte> source, Span<byte> destination, int prefixLength)
    {
        try
        {
            switch (codec)
            {
                case CompressionCodec.None:
                    if (source.Length != destination.Length)
                    {
                        return false;
                    }

                    source[..prefixLength].CopyTo(destination);
                    return true;
                case CompressionCodec.Lz4:
                    if (prefixLength < destination.Length)
                    {
                        return LZ4Codec.PartialDecode(source, destination[..prefixLength]) == prefixLength;
                    }

                    return LZ4Codec.Decode(source, destination) == destination.Length;
                case CompressionCodec.Zstd:
                    t_zstd ??= new Decompressor();
                    return t_zstd.TryUnwrap(source, destination, out int written) && written == destination.Length;
                default:
                    return false;
            }
        }
        catch (ZstdException)
        {
            return false;
        }
    }
}
