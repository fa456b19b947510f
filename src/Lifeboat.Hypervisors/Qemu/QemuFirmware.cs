namespace Lifeboat.Hypervisors.Qemu;

/// <summary>The VM's firmware: SeaBIOS (QEMU's default), or UEFI from OVMF (<see cref="OvmfFirmware"/>).</summary>
public enum QemuFirmware
{
    Bios,
    Uefi,
}
