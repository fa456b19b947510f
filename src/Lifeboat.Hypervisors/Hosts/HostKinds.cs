namespace Lifeboat.Hypervisors.Hosts;

/// <summary>The kinds of hypervisor host, as the inventory and the API name them.</summary>
public static class HostKinds
{
    /// <summary>The embedded host: one QEMU process per VM on the Lifeboat machine, driven over QMP.</summary>
    public const string Qemu = "qemu";

    /// <summary>A libvirt host, on this machine or another (<c>qemu:///system</c>, <c>qemu+tcp|tls|ssh://HOST/system</c>).</summary>
    public const string Libvirt = "libvirt";
}
