namespace Lifeboat.Repository.Storage;

/// <summary>The JSON payload of the `config` file (never encrypted).</summary>
internal sealed record ConfigDocument(
    int FormatVersion,
    string RepositoryId,
    int BlockSize,
    string Compression,
    EncryptionDocument? Encryption);
