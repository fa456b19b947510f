using Lifeboat.Repository.Chunks;

namespace Lifeboat.Repository.Crypto;

/// <summary>What an open repository needs to name, seal and open chunks and files.</summary>
internal sealed class RepositoryKeys : IDisposable
{
    private RepositoryKeys(ChunkHasher hasher, AuthenticatedCipher? cipher)
    {
        Hasher = hasher;
        Cipher = cipher;
    }

    public static RepositoryKeys Unencrypted { get; } = new(ChunkHasher.Plain, null);

    public ChunkHasher Hasher { get; }

    /// <summary>Null when the repository is not encrypted.</summary>
    public AuthenticatedCipher? Cipher { get; }

    public static RepositoryKeys FromMasterKey(MasterKey key) =>
        new(new ChunkHasher(key.IdKey), new AuthenticatedCipher(key.DataKey));

    public void Dispose() => Cipher?.Dispose();
}
