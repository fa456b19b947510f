using System.Globalization;
using System.Text.Json;
using Lifeboat.Hypervisors.Qemu.GuestAgent;

namespace Lifeboat.Hypervisors.Qemu;

/// <summary>
/// The <c>qemu-system-x86_64</c> arguments for a VM: daemonized, no default devices, no user config, QMP on a
/// unix socket, the first serial port to a file, QEMU's own messages to a log, and the guest agent channel on a
/// second unix socket when the VM has one.
/// </summary>
public static class QemuCommandLine
{
    public const int MaxCpus = 64;
    public const int MinMemoryMiB = 16;
    public const int MaxMemoryMiB = 1024 * 1024;
    public const int MaxDisks = 16;
    private const int MaxNameLength = 64;

    /// <summary>The node name of disk <paramref name="index"/>: <c>disk0</c>, <c>disk1</c>, ...</summary>
    public static string DiskNodeName(int index) => "disk" + index.ToString(CultureInfo.InvariantCulture);

    /// <param name="paused">
    /// Started with its CPUs stopped (<c>-S</c>) and without its disks, which are attached over QMP before it runs
    /// (<see cref="QemuPausedStart"/>); the SCSI controller its SCSI disks need is there from the start.
    /// </param>
    /// <exception cref="ArgumentException">The description asks for something QEMU cannot do or Lifeboat does not offer.</exception>
    public static IReadOnlyList<string> Build(QemuVmDescription vm, QemuVmPaths paths, QemuAcceleratorKind accelerator, bool paused = false)
    {
        Validate(vm);
        var args = new List<string>
        {
            "-name", vm.Name,
            "-machine", Escape(vm.MachineType),
            "-accel", accelerator == QemuAcceleratorKind.Kvm ? "kvm" : "tcg",
        };
        var cpuModel = vm.CpuModel ?? (accelerator == QemuAcceleratorKind.Kvm ? "host" : null);
        if (cpuModel is not null)
        {
            args.AddRange(["-cpu", Escape(cpuModel)]);
        }

        args.AddRange(
        [
            "-smp", vm.Cpus.ToString(CultureInfo.InvariantCulture),
            "-m", vm.MemoryMiB.ToString(CultureInfo.InvariantCulture),
            "-nodefaults", "-no-user-config", "-display", "none",
            "-daemonize", "-pidfile", paths.PidFile,
            "-qmp", $"unix:{Escape(paths.QmpSocket)},server=on,wait=off",
            "-chardev", $"file,id=serial0,path={Escape(paths.SerialLog)}",
            "-serial", "chardev:serial0",
            // With -D, a daemonized QEMU keeps its stderr (error_report) in this file instead of /dev/null.
            "-D", paths.QemuLog, "-msg", "timestamp=on",
        ]);

        if (vm.Firmware == QemuFirmware.Uefi)
        {
            var ovmf = Ovmf(vm);
            args.AddRange(
            [
                "-drive", $"if=pflash,format=raw,unit=0,readonly=on,file={Escape(ovmf.Code)}",
                "-drive", $"if=pflash,format=raw,unit=1,file={Escape(paths.EfiVariables)}",
            ]);
        }

        if (paused)
        {
            args.Add("-S");
        }

        AddDisks(args, vm, paused);
        AddNic(args, vm.Nic);
        if (vm.Display)
        {
            args.AddRange(["-device", "VGA"]);
        }

        if (vm.GuestAgent)
        {
            // QEMU listens on the socket from the start; the agent answers through it once the guest runs qemu-ga.
            args.AddRange(
            [
                "-device", "virtio-serial-pci,id=virtio-serial0",
                "-chardev", $"socket,id=qga0,path={Escape(paths.GuestAgentSocket)},server=on,wait=off",
                "-device", $"virtserialport,bus=virtio-serial0.0,chardev=qga0,name={QemuGuestAgentClient.PortName}",
            ]);
        }

        foreach (var (name, value) in vm.FirmwareConfig)
        {
            args.AddRange(["-fw_cfg", $"name={Escape(name)},string={Escape(value)}"]);
        }

        if (vm.Kernel is not null)
        {
            args.AddRange(["-kernel", Path.GetFullPath(vm.Kernel)]);
            if (vm.Initrd is not null)
            {
                args.AddRange(["-initrd", Path.GetFullPath(vm.Initrd)]);
            }

            if (vm.KernelCommandLine is not null)
            {
                args.AddRange(["-append", vm.KernelCommandLine]);
            }
        }

        return args;
    }

    /// <exception cref="ArgumentException">No OVMF build is installed.</exception>
    internal static OvmfFirmware Ovmf(QemuVmDescription vm) => vm.Ovmf ?? OvmfFirmware.Find()
        ?? throw new ArgumentException(
            $"VM {vm.Name} boots with UEFI and no OVMF firmware is installed in {OvmfFirmware.DebianFolder}; install the Debian package {OvmfFirmware.DebianPackage}.");

    /// <summary>QEMU's option syntax splits values at commas; a comma inside a value is written twice.</summary>
    internal static string Escape(string value) => value.Replace(",", ",,", StringComparison.Ordinal);

    private static void AddDisks(List<string> args, QemuVmDescription vm, bool controllersOnly)
    {
        if (vm.Disks.Any(disk => disk.Bus == QemuDiskBus.Scsi))
        {
            args.AddRange(["-device", QemuDiskDevice.ScsiController]);
        }

        if (controllersOnly)
        {
            return;
        }

        for (var index = 0; index < vm.Disks.Count; index++)
        {
            args.AddRange(DiskArguments(vm, index));
        }
    }

    /// <summary>The <c>-blockdev</c> and <c>-device</c> options of disk <paramref name="index"/>.</summary>
    internal static IReadOnlyList<string> DiskArguments(QemuVmDescription vm, int index) =>
    [
        "-blockdev", QemuBlockdev.Build(vm.Disks[index], DiskNodeName(index)).ToJsonString(JsonSerializerOptions.Default),
        "-device", QemuDiskDevice.Option(vm, index),
    ];

    private static void AddNic(List<string> args, QemuNicModel nic)
    {
        var device = nic switch
        {
            QemuNicModel.None => null,
            QemuNicModel.VirtioNet => "virtio-net-pci",
            QemuNicModel.E1000 => "e1000",
            _ => throw new ArgumentException($"The NIC model {nic} is unknown."),
        };
        if (device is not null)
        {
            args.AddRange(["-netdev", "user,id=net0", "-device", $"{device},netdev=net0,id=net0-device"]);
        }
    }

    private static void Validate(QemuVmDescription vm)
    {
        if (vm.Name.Length is 0 or > MaxNameLength || !vm.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
        {
            throw new ArgumentException(
                $"The VM name '{vm.Name}' must be 1 to {MaxNameLength} letters, digits, '.', '_' or '-'.");
        }

        if (vm.Cpus is < 1 or > MaxCpus)
        {
            throw new ArgumentException($"VM {vm.Name} asks for {vm.Cpus} CPUs; give 1 to {MaxCpus}.");
        }

        if (vm.MemoryMiB is < MinMemoryMiB or > MaxMemoryMiB)
        {
            throw new ArgumentException($"VM {vm.Name} asks for {vm.MemoryMiB} MiB of memory; give {MinMemoryMiB} to {MaxMemoryMiB}.");
        }

        if (vm.Disks.Count > MaxDisks)
        {
            throw new ArgumentException($"VM {vm.Name} has {vm.Disks.Count} disks; at most {MaxDisks} are supported.");
        }

        if (string.IsNullOrWhiteSpace(vm.MachineType))
        {
            throw new ArgumentException($"VM {vm.Name} has no machine type; use pc, q35 or none.");
        }

        if (vm.Kernel is null && (vm.Initrd is not null || vm.KernelCommandLine is not null))
        {
            throw new ArgumentException($"VM {vm.Name} has an initrd or a kernel command line but no kernel; set Kernel too.");
        }

        foreach (var name in vm.FirmwareConfig.Keys)
        {
            if (!name.StartsWith("opt/", StringComparison.Ordinal) || name.Length > 55)
            {
                throw new ArgumentException(
                    $"The fw_cfg name '{name}' of VM {vm.Name} must start with 'opt/' and be at most 55 characters (QEMU's limit).");
            }
        }
    }
}
