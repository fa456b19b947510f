using Lifeboat.Hypervisors.Qemu;

namespace Lifeboat.Hypervisors.Hosts;

/// <summary>What a session asks a host to run.</summary>
public sealed record HostedVmSpec
{
    /// <summary>The VM: name, CPUs, memory, firmware, and its disks as URLs on the mount server (<c>nfs://</c>, <c>nbd://</c>, <c>nbd+unix://</c>).</summary>
    public required QemuVmDescription Vm { get; init; }

    public required string SessionId { get; init; }

    public required string RestorePointId { get; init; }

    /// <summary>
    /// A folder on this machine that belongs to the VM for the session's life: the local host's QEMU sockets and logs;
    /// for a remote host, the copy of the console text and anything else kept here.
    /// </summary>
    public required string RuntimeFolder { get; init; }

    /// <summary>A libvirt network to give the VM one NIC on; null gives it none. Never libvirt's <c>default</c> in tests.</summary>
    public string? Network { get; init; }

    /// <summary>The domain XML the backup recorded, when it came from libvirt: its devices are kept where they can be.</summary>
    public string? RecordedDomainXml { get; init; }
}
