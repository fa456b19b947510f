using Lifeboat.Hypervisors.Hosts;

namespace Lifeboat.Server.Inventory;

/// <summary>A hypervisor host as the API shows it.</summary>
public sealed record HostInfo(
    string Id,
    string Kind,
    string Name,
    int Cpus,
    long MemoryTotalMiB,
    long MemoryAvailableMiB,
    string QemuBinary,
    bool QemuInstalled,
    string? Accelerator)
{
    /// <summary>The embedded host's facts as /api/hosts has always shown them.</summary>
    public static HostInfo From(HostFacts facts) =>
        new(facts.Name, facts.Kind, facts.Hostname ?? facts.Name, facts.Cpus, facts.MemoryTotalMiB, facts.MemoryFreeMiB, facts.Connection,
            facts.Reachable, facts.Accelerator);
}
