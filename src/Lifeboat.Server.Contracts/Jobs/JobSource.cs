namespace Lifeboat.Server.Contracts.Jobs;

/// <summary>Where a job reads the VM's disks from; only the fields of its <see cref="Kind"/> are set.</summary>
/// <param name="QmpSocket">The QEMU monitor's unix socket (<see cref="JobSourceKind.Qmp"/>).</param>
/// <param name="GuestAgentSocket">The guest agent's socket, to freeze the guest's file systems (QMP, optional).</param>
/// <param name="LibvirtDomain">The domain's name (<see cref="JobSourceKind.Libvirt"/>).</param>
/// <param name="ConnectUri">libvirt's connection URI; null for qemu:///system.</param>
/// <param name="DiskPaths">The disk image files, in the VM's order (<see cref="JobSourceKind.Disks"/>).</param>
public sealed record JobSource(
    JobSourceKind Kind,
    string? QmpSocket = null,
    string? GuestAgentSocket = null,
    string? LibvirtDomain = null,
    string? ConnectUri = null,
    IReadOnlyList<string>? DiskPaths = null)
{
    /// <summary>One line for tables: "qmp /run/vm1.qmp", "libvirt vm1", "disks a.raw, b.qcow2".</summary>
    public string Describe() => Kind switch
    {
        JobSourceKind.Qmp => "qmp " + QmpSocket,
        JobSourceKind.Libvirt => "libvirt " + LibvirtDomain + (ConnectUri is null ? "" : " on " + ConnectUri),
        _ => "disks " + string.Join(", ", DiskPaths ?? []),
    };
}
