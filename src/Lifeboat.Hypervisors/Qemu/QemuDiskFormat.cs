namespace Lifeboat.Hypervisors.Qemu;

/// <summary>The image format QEMU reads a disk file in.</summary>
public enum QemuDiskFormat
{
    Raw,
    Qcow2,
}
