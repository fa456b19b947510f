using Lifeboat.Repository;

namespace Lifeboat.Hypervisors.Qemu;

/// <summary>Turns the hardware a backup recorded into the description a hypervisor starts the VM from.</summary>
public static class RecordedVm
{
    public static QemuVmDescription Describe(string name, VmHardware? hardware, IReadOnlyList<string> diskSources)
    {
        return new QemuVmDescription
        {
            Name = name,
            Cpus = Math.Clamp(hardware?.Cpus ?? 1, 1, 256),
            MemoryMiB = (int)Math.Clamp(hardware?.MemoryMiB ?? 512, 16, 4L * 1024 * 1024),
            Disks = [.. diskSources.Select((source, index) => new QemuDisk(source) { Bus = Bus(hardware?.BusOfDisk(index)) })],
            Nic = Nic(hardware?.NicModel),
            Kernel = hardware?.Kernel,
            Initrd = hardware?.Initrd,
            KernelCommandLine = hardware?.Cmdline,
            GuestAgent = hardware?.GuestAgent ?? false,
            Firmware = IsUefi(hardware?.Firmware) ? QemuFirmware.Uefi : QemuFirmware.Bios,
        };
    }

    /// <summary>libvirt says <c>efi</c>; VMware's .vmx and most tools say <c>efi</c> or <c>uefi</c>.</summary>
    public static bool IsUefi(string? firmware) =>
        firmware is not null && (firmware.Equals("efi", StringComparison.OrdinalIgnoreCase) || firmware.Equals("uefi", StringComparison.OrdinalIgnoreCase));

    private static QemuDiskBus Bus(string? bus) => bus?.ToLowerInvariant() switch
    {
        "ide" or "sata" => QemuDiskBus.Ide,
        "scsi" => QemuDiskBus.Scsi,
        _ => QemuDiskBus.Virtio,
    };

    private static QemuNicModel Nic(string? model) => model?.ToLowerInvariant() switch
    {
        null or "" or "none" => QemuNicModel.None,
        "e1000" or "e1000e" => QemuNicModel.E1000,
        _ => QemuNicModel.VirtioNet,
    };
}
