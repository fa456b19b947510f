namespace Lifeboat.Server.Sessions;

/// <summary>A session as it is now: its record, the running copy's progress, and whether its QEMU runs.</summary>
public sealed record SessionSnapshot(SessionRecord Session, MigrationProgress? Progress, bool VmRunning);
