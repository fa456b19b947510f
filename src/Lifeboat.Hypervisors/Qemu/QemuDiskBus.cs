namespace Lifeboat.Hypervisors.Qemu;

/// <summary>How a disk is attached to the guest.</summary>
public enum QemuDiskBus
{
    /// <summary>virtio-blk on PCI (<c>/dev/vdX</c> in a Linux guest).</summary>
    Virtio,

    /// <summary>An IDE disk on the machine's own controller (PIIX on <c>pc</c>, AHCI on <c>q35</c>).</summary>
    Ide,

    /// <summary>A SCSI disk on a virtio-scsi controller.</summary>
    Scsi,
}
