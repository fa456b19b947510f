namespace Lifeboat.Hypervisors.Hosts;

/// <summary>
/// A hosted VM whose process can start before its disks exist: started with its CPUs stopped while the session still
/// checks and publishes, then given its disks and let run. A host whose VMs cannot (libvirt opens a domain's disks as
/// it starts it) does not implement this; the session then starts the VM once published, as before.
/// </summary>
public interface IPausedStart
{
    /// <summary>Why this VM cannot start paused (its machine, its disks' bus), or null when it can.</summary>
    string? WhyNotPaused { get; }

    /// <summary>Starts the VM's process with its CPUs stopped and no disks; returns what the host said.</summary>
    /// <exception cref="HostException">The host could not start it.</exception>
    Task<string> StartPausedAsync(CancellationToken cancellationToken);

    /// <summary>Gives the VM started paused its disks (<paramref name="diskSources"/>, in the VM's order) and lets it run; returns what it did.</summary>
    /// <exception cref="HostException">A disk could not be opened, or the VM is no longer the paused one.</exception>
    Task<string> RunWithDisksAsync(IReadOnlyList<string> diskSources, CancellationToken cancellationToken);
}
