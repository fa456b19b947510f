namespace Lifeboat.Hypervisors.Hosts;

/// <summary>The VM's run state as its host says it (<c>running</c>, <c>paused</c>, <c>shut off</c>...).</summary>
public sealed record HostedVmStatus(bool Running, string Status);
