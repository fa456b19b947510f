namespace Lifeboat.Repository;

/// <summary>What retention and the garbage collection after it did.</summary>
public sealed record RetentionResult(IReadOnlyList<string> RemovedRestorePoints, int PacksDeleted, int PacksRewritten, long BytesFreed);
