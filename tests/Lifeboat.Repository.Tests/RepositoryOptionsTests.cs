namespace Lifeboat.Repository.Tests;

public class RepositoryOptionsTests
{
    [Theory]
    [InlineData("16K", 16384)]
    [InlineData("256k", 262144)]
    [InlineData("1M", 1048576)]
    [InlineData("4MiB", 4194304)]
    [InlineData("64KB", 65536)]
    [InlineData("65536", 65536)]
    public void Block_sizes_parse_with_suffixes(string text, int expected)
    {
        Assert.True(RepositoryOptions.TryParseBlockSize(text, out int bytes));
        Assert.Equal(expected, bytes);
        Assert.True(RepositoryOptions.IsValidBlockSize(bytes));
    }

    [Theory]
    [InlineData("")]
    [InlineData("M")]
    [InlineData("-1M")]
    [InlineData("1.5M")]
    [InlineData("99999999M")]
    [InlineData("1G")]
    public void Nonsense_block_sizes_do_not_parse(string text)
    {
        Assert.False(RepositoryOptions.TryParseBlockSize(text, out _));
    }

    [Theory]
    [InlineData("zstd", CompressionCodec.Zstd)]
    [InlineData("LZ4", CompressionCodec.Lz4)]
    [InlineData(" none ", CompressionCodec.None)]
    public void Codec_names_round_trip(string name, CompressionCodec codec)
    {
        Assert.True(CompressionCodecNames.TryParse(name, out var parsed));
        Assert.Equal(codec, parsed);
        Assert.Equal(name.Trim().ToLowerInvariant(), CompressionCodecNames.ToName(parsed));
        Assert.False(CompressionCodecNames.TryParse("gzip", out _));
    }
}
