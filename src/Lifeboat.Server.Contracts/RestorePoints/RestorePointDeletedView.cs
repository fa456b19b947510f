namespace Lifeboat.Server.Contracts.RestorePoints;

/// <summary>What <c>DELETE /api/restore-points/{id}</c> did: the restore point is gone, and the garbage collection after it.</summary>
public sealed record RestorePointDeletedView(string Id, string Vm, string Repository, int PacksDeleted, int PacksRewritten, long BytesFreed);
