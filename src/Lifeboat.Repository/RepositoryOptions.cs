namespace Lifeboat.Repository;

/// <summary>Settings chosen when a repository is created; they never change afterwards.</summary>
/// <param name="BlockSize">Chunk size in bytes: a power of two from 16 KiB to 4 MiB.</param>
/// <param name="Compression">Codec for new chunks.</param>
public sealed record RepositoryOptions(
    int BlockSize = RepositoryOptions.DefaultBlockSize,
    CompressionCodec Compression = RepositoryOptions.DefaultCompression)
{
    public const int DefaultBlockSize = 64 * 1024;
    public const CompressionCodec DefaultCompression = CompressionCodec.Zstd;
    public const int MinBlockSize = 16 * 1024;
    public const int MaxBlockSize = 4 * 1024 * 1024;

    public static bool IsValidBlockSize(int blockSize) =>
        blockSize is >= MinBlockSize and <= MaxBlockSize && int.IsPow2(blockSize);

    /// <summary>Parses a block size written as bytes or with a K/M suffix ("256K", "1M", "65536"); does not check the range.</summary>
    public static bool TryParseBlockSize(string? text, out int bytes)
    {
        bytes = 0;
        var span = text.AsSpan().Trim();
        if (span.EndsWith("iB", StringComparison.OrdinalIgnoreCase))
        {
            span = span[..^2];
        }
        else if (span.EndsWith('B') || span.EndsWith('b'))
        {
            span = span[..^1];
        }

        long multiplier = 1;
        if (span.Length > 0 && char.ToUpperInvariant(span[^1]) is 'K' or 'M')
        {
            multiplier = char.ToUpperInvariant(span[^1]) == 'K' ? 1024 : 1024 * 1024;
            span = span[..^1];
        }

        if (!long.TryParse(span, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long value)
            || value <= 0 || value * multiplier > int.MaxValue)
        {
            return false;
        }

        bytes = (int)(value * multiplier);
        return true;
    }
}
