using System.Text.Json.Nodes;

namespace Lifeboat.Hypervisors.Qemu;

/// <summary>An asynchronous QMP event such as <c>SHUTDOWN</c>, <c>STOP</c> or <c>BLOCK_JOB_READY</c>.</summary>
public sealed record QmpEvent(string Name, JsonObject? Data, DateTimeOffset Timestamp);
