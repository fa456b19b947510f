namespace Lifeboat.Repository;

/// <summary>How a chunk's bytes are compressed; the value is stored in every chunk record.</summary>
public enum CompressionCodec : byte
{
    None = 0,
    Lz4 = 1,
    Zstd = 2,
}
