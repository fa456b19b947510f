namespace Lifeboat.Repository.Packs;

/// <summary>A pack that is durable on disk with its index durable in `tmp/`, waiting to be committed into `index/`.</summary>
internal sealed record StagedPack(string PackId, IReadOnlyList<PackIndexEntry> Entries, long Length);
