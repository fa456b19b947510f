namespace Lifeboat.Hypervisors.Qemu;

/// <summary>
/// A disk of a VM. <see cref="Source"/> is a file path or an <c>nfs://host/export/path/file</c> URL (QEMU's
/// nfs driver, which finds MOUNT and NFS through portmap on the host).
/// </summary>
public sealed record QemuDisk(string Source)
{
    public QemuDiskFormat Format { get; init; } = QemuDiskFormat.Raw;

    public QemuDiskBus Bus { get; init; } = QemuDiskBus.Virtio;

    public bool ReadOnly { get; init; }
}
