using System.Globalization;
using System.Text.Json.Nodes;

namespace Lifeboat.Hypervisors.Qemu;

/// <summary>
/// The guest device of disk N (node <c>diskN</c>, id <c>diskN-device</c>): one list of properties, written as a
/// <c>-device</c> option when QEMU starts with its disks, or sent as <c>device_add</c> when they are attached to a
/// QEMU started paused (<see cref="QemuPausedStart"/>).
/// </summary>
internal static class QemuDiskDevice
{
    /// <summary>The controller SCSI disks sit on, when the VM has any.</summary>
    public const string ScsiController = "virtio-scsi-pci,id=scsi0";

    /// <exception cref="ArgumentException">The disk's bus is unknown.</exception>
    public static IReadOnlyList<(string Name, string Value)> Properties(QemuVmDescription vm, int index)
    {
        var disk = vm.Disks[index];
        var node = QemuCommandLine.DiskNodeName(index);
        var driver = disk.Bus switch
        {
            QemuDiskBus.Virtio => "virtio-blk-pci",
            QemuDiskBus.Ide => "ide-hd",
            QemuDiskBus.Scsi => "scsi-hd",
            _ => throw new ArgumentException($"Disk {index} of VM {vm.Name} has an unknown bus {disk.Bus}."),
        };
        var properties = new List<(string, string)> { ("driver", driver), ("drive", node), ("id", node + "-device") };
        if (disk.Bus == QemuDiskBus.Scsi)
            properties.Add(("bus", "scsi0.0"));
        // With a kernel given directly, the disks must not take the boot order from it.
        if (vm.Kernel is null)
            properties.Add(("bootindex", (index + 1).ToString(CultureInfo.InvariantCulture)));
        return properties;
    }

    /// <summary>The value of a <c>-device</c> option: the driver, then name=value pairs.</summary>
    public static string Option(QemuVmDescription vm, int index) =>
        string.Join(',', Properties(vm, index).Select(p => p.Name == "driver" ? p.Value : $"{p.Name}={p.Value}"));

    /// <summary>The arguments of <c>device_add</c>; bootindex is a number there.</summary>
    public static JsonObject Arguments(QemuVmDescription vm, int index)
    {
        var arguments = new JsonObject();
        foreach (var (name, value) in Properties(vm, index))
            arguments[name] = name == "bootindex" ? JsonValue.Create(int.Parse(value, CultureInfo.InvariantCulture)) : JsonValue.Create(value);
        return arguments;
    }
}
