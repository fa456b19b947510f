namespace Lifeboat.Server.Contracts.RestorePoints;

/// <summary>What /api/boot-profiles/{vm} answers: when and from which restore point a VM's boot profile was recorded, and its size.</summary>
public sealed record BootProfileView(string Vm, DateTimeOffset RecordedAt, string RestorePointId, string SessionId, long Blocks, long Bytes);
