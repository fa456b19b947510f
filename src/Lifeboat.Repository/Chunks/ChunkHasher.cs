using System.Security.Cryptography;

namespace Lifeboat.Repository.Chunks;

/// <summary>Names chunks: SHA-256 of the plaintext, or HMAC-SHA256 under the id key so names reveal nothing.</summary>
internal sealed class ChunkHasher
{
    private readonly byte[]? _idKey;

    public ChunkHasher(ReadOnlySpan<byte> idKey) => _idKey = idKey.IsEmpty ? null : idKey.ToArray();

    public static ChunkHasher Plain { get; } = new([]);

    public ChunkId Compute(ReadOnlySpan<byte> block)
    {
        Span<byte> hash = stackalloc byte[ChunkId.Size];
        if (_idKey is null)
        {
            SHA256.HashData(block, hash);
        }
        else
        {
            HMACSHA256.HashData(_idKey, block, hash);
        }

        return ChunkId.Read(hash);
    }
}
