using System.Globalization;
using System.Text;
using Lifeboat.Hypervisors.Qemu;

namespace Lifeboat.Hypervisors.VMware;

/// <summary>
/// A VMware `.vmx` for a VM whose disks are VMDK descriptors in the same datastore folder, so that an ESXi host
/// can register and power on the VM straight from Lifeboat's datastore.
/// </summary>
public static class VmxFile
{
    public static string Create(QemuVmDescription vm, IReadOnlyList<string> vmdkFileNames)
    {
        var text = new StringBuilder()
            .Append(".encoding = \"UTF-8\"\n")
            .Append("config.version = \"8\"\n")
            .Append("virtualHW.version = \"14\"\n")
            .Append(CultureInfo.InvariantCulture, $"displayName = \"{Escape(vm.Name)}\"\n")
            .Append("guestOS = \"other-64\"\n")
            .Append(CultureInfo.InvariantCulture, $"numvcpus = \"{vm.Cpus}\"\n")
            .Append(CultureInfo.InvariantCulture, $"memSize = \"{vm.MemoryMiB}\"\n")
            .Append(vm.Firmware == QemuFirmware.Uefi ? "firmware = \"efi\"\n" : "firmware = \"bios\"\n");
        var scsi = vm.Disks.Count > 0 && vm.Disks[0].Bus == QemuDiskBus.Scsi;
        if (scsi || vm.Disks.Count > 0 && vm.Disks[0].Bus == QemuDiskBus.Virtio)
        {
            // ESXi has no virtio: a virtio disk becomes the paravirtual SCSI disk VMware guests expect.
            text.Append("scsi0.present = \"TRUE\"\n").Append("scsi0.virtualDev = \"pvscsi\"\n");
        }
        for (var i = 0; i < vmdkFileNames.Count; i++)
        {
            var bus = i < vm.Disks.Count && vm.Disks[i].Bus == QemuDiskBus.Ide ? $"ide{i / 2}:{i % 2}" : $"scsi0:{(i >= 7 ? i + 1 : i)}";
            text.Append(CultureInfo.InvariantCulture, $"{bus}.present = \"TRUE\"\n")
                .Append(CultureInfo.InvariantCulture, $"{bus}.fileName = \"{Escape(vmdkFileNames[i])}\"\n");
        }
        if (vm.Nic != QemuNicModel.None)
        {
            text.Append("ethernet0.present = \"TRUE\"\n")
                .Append(CultureInfo.InvariantCulture, $"ethernet0.virtualDev = \"{(vm.Nic == QemuNicModel.E1000 ? "e1000" : "vmxnet3")}\"\n")
                .Append("ethernet0.addressType = \"generated\"\n");
        }
        return text.ToString();
    }

    private static string Escape(string value) => value.Replace("\"", "|22", StringComparison.Ordinal);
}
