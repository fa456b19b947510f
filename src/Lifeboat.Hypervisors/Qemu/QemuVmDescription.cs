namespace Lifeboat.Hypervisors.Qemu;

/// <summary>What to start: the hardware of a VM as QEMU should emulate it.</summary>
public sealed record QemuVmDescription
{
    /// <summary>Letters, digits, '.', '_' and '-', at most 64: it names the VM in QEMU and in logs.</summary>
    public required string Name { get; init; }

    public int Cpus { get; init; } = 1;

    public int MemoryMiB { get; init; } = 256;

    /// <summary>The disks in boot order: the first one boots unless <see cref="Kernel"/> is set.</summary>
    public IReadOnlyList<QemuDisk> Disks { get; init; } = [];

    public QemuNicModel Nic { get; init; } = QemuNicModel.None;

    /// <summary>A standard VGA adapter (still with no window), so the console can be taken as a picture (<see cref="QemuScreenshot"/>).</summary>
    public bool Display { get; init; }

    public QemuFirmware Firmware { get; init; } = QemuFirmware.Bios;

    /// <summary>The OVMF build a <see cref="QemuFirmware.Uefi"/> VM boots; null finds Debian's (<see cref="OvmfFirmware.Find"/>).</summary>
    public OvmfFirmware? Ovmf { get; init; }

    /// <summary>
    /// A QEMU guest agent channel: a virtio-serial port named <c>org.qemu.guest_agent.0</c> in the guest, reached on
    /// the host through <see cref="QemuVmPaths.GuestAgentSocket"/> (<see cref="QemuVm.WaitForAgentAsync"/>).
    /// </summary>
    public bool GuestAgent { get; init; }

    /// <summary>QEMU's machine type: <c>pc</c> (i440FX), <c>q35</c>, or <c>none</c> for a VM without hardware.</summary>
    public string MachineType { get; init; } = "pc";

    /// <summary>QEMU's CPU model; null chooses <c>host</c> under KVM and QEMU's default under TCG.</summary>
    public string? CpuModel { get; init; }

    /// <summary>The accelerator; null lets <see cref="QemuAccelerator.Detect"/> choose.</summary>
    public QemuAcceleratorKind? Accelerator { get; init; }

    /// <summary>A kernel to boot directly instead of the first disk's boot loader.</summary>
    public string? Kernel { get; init; }

    public string? Initrd { get; init; }

    public string? KernelCommandLine { get; init; }

    /// <summary>
    /// Strings the guest reads through QEMU's fw_cfg device, e.g. <c>opt/lifeboat/mode</c>; names must
    /// start with <c>opt/</c>.
    /// </summary>
    public IReadOnlyDictionary<string, string> FirmwareConfig { get; init; } = new Dictionary<string, string>();
}
