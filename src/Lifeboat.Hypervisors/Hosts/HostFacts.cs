namespace Lifeboat.Hypervisors.Hosts;

/// <summary>A host as /api/hosts (and the CLI's host list) shows it.</summary>
public sealed record HostFacts
{
    public required string Name { get; init; }

    public required string Kind { get; init; }

    /// <summary>The libvirt URI, or the QEMU binary of the local host.</summary>
    public required string Connection { get; init; }

    public bool Reachable { get; init; }

    /// <summary>Why the host cannot be used, in one sentence with what to do; null when it can.</summary>
    public string? Problem { get; init; }

    /// <summary>The host's own name for itself.</summary>
    public string? Hostname { get; init; }

    public string? LibvirtVersion { get; init; }

    public string? QemuVersion { get; init; }

    /// <summary><c>kvm</c> or <c>tcg</c>.</summary>
    public string? Accelerator { get; init; }

    public int Cpus { get; init; }

    public long MemoryTotalMiB { get; init; }

    public long MemoryFreeMiB { get; init; }

    /// <summary>Whether the host's QEMU has the <c>nfs</c> block driver; null when it could not be told.</summary>
    public bool? NfsDriver { get; init; }

    /// <summary>Whether the host's QEMU has the <c>nbd</c> block driver; null when it could not be told.</summary>
    public bool? NbdDriver { get; init; }

    /// <summary>The address the host reaches the mount server at; null for this machine.</summary>
    public string? MountServerAddress { get; init; }

    /// <summary>The VMs Lifeboat defined there and that still exist (names).</summary>
    public IReadOnlyList<string> LifeboatVms { get; init; } = [];
}
