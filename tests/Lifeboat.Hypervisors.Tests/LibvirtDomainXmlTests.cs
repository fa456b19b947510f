using System.Xml.Linq;
using Lifeboat.Hypervisors.Libvirt;
using Lifeboat.Hypervisors.Qemu;

namespace Lifeboat.Hypervisors.Tests;

public sealed class LibvirtDomainXmlTests
{
    private static readonly QemuVmDescription Vm = new()
    {
        Name = "web1",
        Disks = [new QemuDisk("nfs://127.0.0.1/lifeboat/web1/disk0.raw")],
    };

    [Fact]
    public void A_vm_with_a_guest_agent_gets_libvirts_agent_channel()
    {
        var devices = XDocument.Parse(LibvirtDomainXml.Create(Vm with { GuestAgent = true })).Root!.Element("devices")!;

        var channel = Assert.Single(devices.Elements("channel"));
        Assert.Equal("unix", (string?)channel.Attribute("type"));
        Assert.Equal("virtio", (string?)channel.Element("target")?.Attribute("type"));
        Assert.Equal("org.qemu.guest_agent.0", (string?)channel.Element("target")?.Attribute("name"));
        // libvirt picks the host socket itself: a path from this host would not exist on another one.
        Assert.Null(channel.Element("source"));
    }

    [Fact]
    public void A_vm_without_a_guest_agent_has_no_channel()
    {
        var devices = XDocument.Parse(LibvirtDomainXml.Create(Vm)).Root!.Element("devices")!;

        Assert.Empty(devices.Elements("channel"));
        Assert.Single(devices.Elements("disk"));
    }

    [Fact]
    public void UEFI_firmware_is_written_as_libvirt_and_VMware_record_it()
    {
        var os = XDocument.Parse(LibvirtDomainXml.Create(Vm with { Firmware = QemuFirmware.Uefi })).Root!.Element("os")!;
        Assert.Equal("efi", (string?)os.Attribute("firmware"));
        Assert.Null(XDocument.Parse(LibvirtDomainXml.Create(Vm)).Root!.Element("os")!.Attribute("firmware"));
        Assert.Contains("firmware = \"efi\"\n", Lifeboat.Hypervisors.VMware.VmxFile.Create(Vm with { Firmware = QemuFirmware.Uefi }, ["disk0.vmdk"]), StringComparison.Ordinal);
        Assert.Contains("firmware = \"bios\"\n", Lifeboat.Hypervisors.VMware.VmxFile.Create(Vm, ["disk0.vmdk"]), StringComparison.Ordinal);
    }
}
