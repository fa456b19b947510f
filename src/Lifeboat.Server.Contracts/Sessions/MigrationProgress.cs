namespace Lifeboat.Server.Contracts.Sessions;

/// <summary>How far the running copy of a migration is, in bytes, as QEMU's jobs report it.</summary>
public sealed record MigrationProgress(string Activity, long DoneBytes, long TotalBytes);
