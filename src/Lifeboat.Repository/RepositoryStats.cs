namespace Lifeboat.Repository;

/// <summary>Size of a repository: packs, distinct chunks, bytes of chunk records, restore points.</summary>
public sealed record RepositoryStats(int Packs, long Chunks, long StoredBytes, int RestorePoints);
