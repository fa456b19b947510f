namespace Lifeboat.Server.Sessions;

/// <summary>
/// A session as it is now: its record, the running copy's progress, whether its QEMU runs, and how many changes its
/// runner has made (null for a session this server does not run: one that ended before it started).
/// </summary>
public sealed record SessionSnapshot(SessionRecord Session, MigrationProgress? Progress, bool VmRunning, long? Version = null);
