namespace Lifeboat.Repository;

/// <summary>A chunk that is missing or fails its checks, and every restore point disk it affects.</summary>
public sealed record BadChunk(string ChunkId, string Reason, IReadOnlyList<AffectedDisk> Affected);
