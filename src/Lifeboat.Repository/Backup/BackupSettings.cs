using Lifeboat.Repository.Crypto;
using Lifeboat.Repository.Packs;

namespace Lifeboat.Repository.Backup;

/// <summary>What the backup pipeline needs to know about the repository it writes to.</summary>
internal sealed record BackupSettings(int BlockSize, CompressionCodec Compression, RepositoryKeys Keys, int Workers)
{
    /// <summary>Called by the writer after each pack is staged (tests use it to abandon a backup midway).</summary>
    public Action<StagedPack>? OnPackStaged { get; init; }

    public long PackTargetLength { get; init; } = PackWriter.TargetLength;
}
