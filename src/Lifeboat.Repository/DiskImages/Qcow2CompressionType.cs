namespace Lifeboat.Repository.DiskImages;

/// <summary>The compression_type header field: how compressed clusters are encoded.</summary>
internal enum Qcow2CompressionType : byte
{
    /// <summary>Raw deflate (RFC 1951) without a zlib header.</summary>
    Deflate = 0,
    Zstd = 1,
}
