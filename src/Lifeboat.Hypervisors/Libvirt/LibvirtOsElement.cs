using System.Xml.Linq;
using Lifeboat.Hypervisors.Qemu;

namespace Lifeboat.Hypervisors.Libvirt;

/// <summary>A domain's <c>&lt;os&gt;</c>: machine, firmware, and either a direct kernel boot or booting from the first disk.</summary>
internal static class LibvirtOsElement
{
    public static XElement Create(QemuVmDescription vm)
    {
        var os = new XElement("os", new XElement("type", new XAttribute("arch", "x86_64"), new XAttribute("machine", vm.MachineType), "hvm"));
        if (vm.Firmware == QemuFirmware.Uefi)
            os.Add(new XAttribute("firmware", "efi"));
        if (vm.Kernel is not null)
            os.Add(new XElement("kernel", vm.Kernel));
        if (vm.Initrd is not null)
            os.Add(new XElement("initrd", vm.Initrd));
        if (vm.KernelCommandLine is not null)
            os.Add(new XElement("cmdline", vm.KernelCommandLine));
        if (vm.Kernel is null)
            os.Add(new XElement("boot", new XAttribute("dev", "hd")));
        return os;
    }
}
