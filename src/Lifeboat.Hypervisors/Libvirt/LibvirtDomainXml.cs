using System.Globalization;
using System.Xml.Linq;
using Lifeboat.Hypervisors.Qemu;
using Lifeboat.Hypervisors.Qemu.GuestAgent;
using Lifeboat.Nbd.Server;

namespace Lifeboat.Hypervisors.Libvirt;

/// <summary>
/// A libvirt domain definition for a VM whose disks are files on an NFS datastore: what `virsh define` takes
/// on a host that mounted the datastore (disk paths are given as the host sees them, or as nfs:// URLs).
/// </summary>
public static class LibvirtDomainXml
{
    public static string Create(QemuVmDescription vm)
    {
        var os = LibvirtOsElement.Create(vm);

        var devices = new XElement("devices");
        for (var i = 0; i < vm.Disks.Count; i++)
            devices.Add(Disk(vm.Disks[i], i));
        if (vm.Nic != QemuNicModel.None)
        {
            devices.Add(new XElement("interface", new XAttribute("type", "user"),
                new XElement("model", new XAttribute("type", vm.Nic == QemuNicModel.E1000 ? "e1000" : "virtio"))));
        }
        devices.Add(new XElement("serial", new XAttribute("type", "pty"), new XElement("target", new XAttribute("port", "0"))));
        devices.Add(new XElement("console", new XAttribute("type", "pty"), new XElement("target", new XAttribute("type", "serial"), new XAttribute("port", "0"))));
        // libvirt chooses the host socket of a unix channel itself and connects to the agent (virsh qemu-agent-command).
        if (vm.GuestAgent)
        {
            devices.Add(new XElement("channel", new XAttribute("type", "unix"),
                new XElement("target", new XAttribute("type", "virtio"), new XAttribute("name", QemuGuestAgentClient.PortName))));
        }

        var domain = new XElement("domain", new XAttribute("type", vm.Accelerator == QemuAcceleratorKind.Kvm ? "kvm" : "qemu"),
            new XElement("name", vm.Name),
            new XElement("memory", new XAttribute("unit", "MiB"), vm.MemoryMiB.ToString(CultureInfo.InvariantCulture)),
            new XElement("vcpu", vm.Cpus.ToString(CultureInfo.InvariantCulture)),
            os,
            new XElement("features", new XElement("acpi")),
            new XElement("on_poweroff", "destroy"),
            new XElement("on_reboot", "restart"),
            devices);
        return new XDocument(domain).ToString() + "\n";
    }

    private static XElement Disk(QemuDisk disk, int index)
    {
        var (bus, prefix) = disk.Bus switch
        {
            QemuDiskBus.Ide => ("ide", "hd"),
            QemuDiskBus.Scsi => ("scsi", "sd"),
            _ => ("virtio", "vd"),
        };
        var network = Uri.TryCreate(disk.Source, UriKind.Absolute, out var uri) && uri.Scheme is "nfs" or "nbd";
        var source = !network ? new XElement("source", new XAttribute("file", disk.Source))
            : uri!.Scheme == "nfs"
                ? new XElement("source", new XAttribute("protocol", "nfs"), new XAttribute("name", Uri.UnescapeDataString(uri.AbsolutePath)),
                    new XElement("host", new XAttribute("name", uri.Host)))
                : new XElement("source", new XAttribute("protocol", "nbd"), new XAttribute("name", Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'))),
                    new XElement("host", new XAttribute("name", uri.Host), new XAttribute("port", uri.Port == -1 ? NbdServerOptions.DefaultPort : uri.Port)));
        var element = new XElement("disk", new XAttribute("type", network ? "network" : "file"), new XAttribute("device", "disk"),
            new XElement("driver", new XAttribute("name", "qemu"), new XAttribute("type", disk.Format == QemuDiskFormat.Qcow2 ? "qcow2" : "raw"),
                new XAttribute("cache", "none")),
            source,
            new XElement("target", new XAttribute("dev", prefix + (char)('a' + index)), new XAttribute("bus", bus)));
        if (disk.ReadOnly)
            element.Add(new XElement("readonly"));
        return element;
    }
}
