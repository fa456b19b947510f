namespace Lifeboat.Server.Contracts.Hosts;

/// <summary>A hypervisor host as <c>GET /api/hosts</c> shows it: how it is reached and what it has now.</summary>
/// <param name="Name"><c>local</c> for the embedded QEMU host, else the name it was added as.</param>
/// <param name="Kind"><c>qemu</c> (the embedded local host) or <c>libvirt</c>.</param>
/// <param name="Connection">The libvirt URI, or the local host's QEMU binary.</param>
/// <param name="Problem">Why the host cannot be used now, in one sentence; null when it can.</param>
/// <param name="Accelerator"><c>kvm</c> or <c>tcg</c>.</param>
/// <param name="NfsDriver">Whether its QEMU has the nfs block driver; null when it could not be told.</param>
/// <param name="MountServerAddress">The address its VMs reach the mount server at; null for this machine.</param>
/// <param name="LifeboatVms">The VMs Lifeboat runs there.</param>
public sealed record HostView(
    string Name,
    string Kind,
    string Connection,
    bool BuiltIn,
    bool Reachable,
    string? Problem,
    string? Hostname,
    string? LibvirtVersion,
    string? QemuVersion,
    string? Accelerator,
    int Cpus,
    long MemoryTotalMiB,
    long MemoryFreeMiB,
    bool? NfsDriver,
    bool? NbdDriver,
    string? MountServerAddress,
    IReadOnlyList<string> LifeboatVms,
    DateTimeOffset? AddedAt);
