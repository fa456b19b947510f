using Lifeboat.Hypervisors.Hosts;
using Lifeboat.Hypervisors.Qemu.GuestAgent;

namespace Lifeboat.Hypervisors.Libvirt;

/// <summary>A running domain of a <see cref="LibvirtHost"/>, found by name (<see cref="LibvirtHost.OpenRunningAsync"/>), whoever defined it.</summary>
public sealed class LibvirtRunningVm : IRunningVm
{
    internal LibvirtRunningVm(LibvirtDomain domain, string hostName)
    {
        Domain = domain;
        HostName = hostName;
        Agent = new LibvirtGuestAgent(domain, hostName);
    }

    public string Name => Domain.Name;

    public string HostName { get; }

    /// <summary>The domain, on the host's connection.</summary>
    public LibvirtDomain Domain { get; }

    public IGuestAgent Agent { get; }

    /// <summary>
    /// Measured with libvirt 9.0 and the test guest's qemu-ga (LibvirtHostTests): writes of 1000 bytes and 48 KiB passed,
    /// one of 200 KiB hung until the command's timeout and left the agent "not available"; this leaves a margin.
    /// </summary>
    public int FileChunkBytes => 32 * 1024;

    /// <summary>Disks on the mount server plugged into the domain (instant disk recovery).</summary>
    public IDiskHotplug Hotplug => field ??= new LibvirtDiskHotplug(Domain.Connection, Domain, HostName);

    public ValueTask DisposeAsync()
    {
        Domain.Dispose();
        return ValueTask.CompletedTask;
    }
}
