namespace Lifeboat.Hypervisors.Qemu.Host;

/// <summary>One entry of QMP <c>query-jobs</c>.</summary>
public sealed record BlockJob(string Id, string Type, string Status, long CurrentProgress, long TotalProgress, string? Error);
