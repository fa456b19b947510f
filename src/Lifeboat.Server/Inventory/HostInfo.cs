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
    string? Accelerator);
