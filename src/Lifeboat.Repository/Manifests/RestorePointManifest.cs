using Lifeboat.Repository.Chunks;

namespace Lifeboat.Repository.Manifests;

/// <summary>A restore point: its header and, per disk, a complete block map (zero id = zero block).</summary>
internal sealed record RestorePointManifest(ManifestHeader Header, IReadOnlyList<ChunkId[]> BlockMaps);
