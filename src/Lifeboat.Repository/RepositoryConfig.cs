namespace Lifeboat.Repository;

/// <summary>What a repository's config file says about it.</summary>
public sealed record RepositoryConfig(
    int FormatVersion,
    string RepositoryId,
    int BlockSize,
    CompressionCodec Compression,
    bool Encrypted);
