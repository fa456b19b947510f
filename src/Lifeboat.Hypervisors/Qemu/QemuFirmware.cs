namespace Lifeboat.Hypervisors.Qemu;

/// <summary>The VM's firmware. Only BIOS (SeaBIOS) for now; UEFI (OVMF) comes with guests that need it.</summary>
public enum QemuFirmware
{
    Bios,
}
