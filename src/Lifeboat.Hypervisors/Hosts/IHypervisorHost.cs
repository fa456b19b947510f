namespace Lifeboat.Hypervisors.Hosts;

/// <summary>
/// A hypervisor host as a session uses it: check, define, and find again after a restart. Each kind of host (the
/// embedded local QEMU host, a libvirt host local or remote) is one class behind this interface; a session never asks
/// which kind it has.
/// </summary>
public interface IHypervisorHost
{
    /// <summary>The inventory name: <c>local</c> for the embedded QEMU host, else the name the host was added as.</summary>
    string Name { get; }

    /// <summary><see cref="HostKinds.Qemu"/> or <see cref="HostKinds.Libvirt"/>.</summary>
    string Kind { get; }

    /// <summary>
    /// Where this host's VMs reach the mount server (the publication's allow list is narrowed to the host's own address);
    /// null when they run on this machine and reach it on loopback or its unix sockets.
    /// </summary>
    HostNetwork? Network { get; }

    /// <summary>What the host is and has now. Never throws for a host that cannot be reached: <see cref="HostFacts.Problem"/> says why.</summary>
    Task<HostFacts> DescribeAsync(CancellationToken cancellationToken);

    /// <summary>Checks the host can run <paramref name="spec"/> (reachable, CPUs, memory, the disks' block driver, no VM of that name); returns what it found.</summary>
    /// <exception cref="HostException">It cannot; the message is one sentence naming the host, what is wrong and what to do.</exception>
    Task<string> CheckAsync(HostedVmSpec spec, CancellationToken cancellationToken);

    /// <summary>Defines (registers) the VM on the host without starting it; the VM carries the session's id and restore point.</summary>
    /// <exception cref="HostException">The host refused it; nothing is left defined.</exception>
    Task<IHostedVm> DefineAsync(HostedVmSpec spec, CancellationToken cancellationToken);

    /// <summary>
    /// Why the VM of <paramref name="spec"/> cannot be defined and started paused before its disks are published
    /// (<see cref="IPausedStart"/>), or null when it can. By default a host cannot: it opens a VM's disks as it starts it.
    /// </summary>
    string? WhyNotStartPaused(HostedVmSpec spec) => "the host opens a VM's disks as it starts it";

    /// <summary>Finds again a VM this host defined for a session (by <see cref="IHostedVm.Reference"/>), after a server restart; null when it is gone.</summary>
    /// <exception cref="HostException">The host cannot be reached; the message names it.</exception>
    Task<IHostedVm?> FindAsync(string reference, HostedVmSpec spec, CancellationToken cancellationToken);
}
