namespace Lifeboat.Hypervisors.Qemu;

/// <summary>The answer to <c>query-status</c>: QEMU's run state (<c>running</c>, <c>paused</c>, <c>shutdown</c>, ...).</summary>
public sealed record QemuRunStatus(string Status, bool Running);
