namespace Lifeboat.Server.Contracts.Dashboard;

/// <summary>A session (recovery or verification) that has not ended.</summary>
/// <param name="State">"starting", "ready", "migrating" or "stopping".</param>
/// <param name="Phase">The phase it is in, as the console names it ("NFS mapping").</param>
public sealed record RunningSessionView(string Id, string Vm, string? RestorePointId, string State, string Phase, DateTimeOffset StartedAt);
