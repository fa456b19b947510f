namespace Lifeboat.Repository;

/// <summary>The lower-case names used in the config file and on the command line.</summary>
public static class CompressionCodecNames
{
    public static string ToName(CompressionCodec codec) => codec switch
    {
        CompressionCodec.None => "none",
        CompressionCodec.Lz4 => "lz4",
        CompressionCodec.Zstd => "zstd",
        _ => throw new ArgumentOutOfRangeException(nameof(codec), codec, "Unknown compression codec."),
    };

    public static bool TryParse(string? name, out CompressionCodec codec)
    {
        switch (name?.Trim().ToLowerInvariant())
        {
            case "none": codec = CompressionCodec.None; return true;
            case "lz4": codec = CompressionCodec.Lz4; return true;
            case "zstd": codec = CompressionCodec.Zstd; return true;
            default: codec = default; return false;
        }
    }
}
