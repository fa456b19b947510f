using System.Xml.Linq;
using Lifeboat.Hypervisors.Hosts;
using Lifeboat.Hypervisors.Libvirt;
using Lifeboat.Hypervisors.Qemu;

namespace Lifeboat.Hypervisors.Tests;

public sealed class LibvirtHostedDomainXmlTests
{
    private static readonly HostedVmSpec Spec = new()
    {
        Vm = new QemuVmDescription
        {
            Name = "web1",
            Cpus = 2,
            MemoryMiB = 512,
            Disks = [new QemuDisk("nfs://198.18.0.1/lifeboat/web1/disk0.raw"), new QemuDisk("nbd://198.18.0.1:10900/web1-disk1") { Format = QemuDiskFormat.Qcow2 }],
            GuestAgent = true,
            Nic = QemuNicModel.VirtioNet,
            FirmwareConfig = new Dictionary<string, string> { ["opt/lifeboat/mode"] = "stay" },
        },
        SessionId = "s-42",
        RestorePointId = "rp-7",
        RuntimeFolder = "/tmp/unused",
    };

    [Fact]
    public void Disks_are_network_disks_on_the_mount_server_and_the_vm_carries_its_session_and_restore_point()
    {
        var domain = XDocument.Parse(LibvirtHostedDomainXml.Create(Spec, "qemu")).Root!;
        Assert.Equal("qemu", (string?)domain.Attribute("type"));
        var disks = domain.Element("devices")!.Elements("disk").ToList();
        Assert.All(disks, disk => Assert.Equal("network", (string?)disk.Attribute("type")));

        var nfs = disks[0].Element("source")!;
        Assert.Equal(("nfs", "/lifeboat/web1/disk0.raw", "198.18.0.1"), ((string?)nfs.Attribute("protocol"), (string?)nfs.Attribute("name"), (string?)nfs.Element("host")?.Attribute("name")));
        Assert.Equal(("root", "root"), ((string?)nfs.Element("identity")?.Attribute("user"), (string?)nfs.Element("identity")?.Attribute("group")));
        var nbd = disks[1].Element("source")!;
        Assert.Equal(("nbd", "web1-disk1", "10900"), ((string?)nbd.Attribute("protocol"), (string?)nbd.Attribute("name"), (string?)nbd.Element("host")?.Attribute("port")));
        Assert.Equal(["vda", "vdb"], disks.Select(disk => (string?)disk.Element("target")?.Attribute("dev")));
        Assert.Equal("qcow2", (string?)disks[1].Element("driver")?.Attribute("type"));

        var metadata = domain.Element("metadata")!.Elements().Single().ToString();
        Assert.Equal(("s-42", "rp-7"), LibvirtHostedDomainXml.ReadMetadata(metadata));
        Assert.Equal("stay", (string?)domain.Element("sysinfo")?.Element("entry"));
    }

    [Fact]
    public void No_nic_unless_a_network_is_named_and_the_display_listens_nowhere()
    {
        var devices = XDocument.Parse(LibvirtHostedDomainXml.Create(Spec, "kvm")).Root!.Element("devices")!;
        Assert.Empty(devices.Elements("interface"));
        Assert.Equal("none", (string?)devices.Element("graphics")?.Element("listen")?.Attribute("type"));
        Assert.Null(devices.Element("graphics")?.Attribute("port"));
        Assert.Single(devices.Elements("serial"));
        Assert.Single(devices.Elements("channel"));

        var withNetwork = XDocument.Parse(LibvirtHostedDomainXml.Create(Spec with { Network = "lab" }, "kvm")).Root!.Element("devices")!;
        var nic = Assert.Single(withNetwork.Elements("interface"));
        Assert.Equal(("network", "lab"), ((string?)nic.Attribute("type"), (string?)nic.Element("source")?.Attribute("network")));
    }

    [Theory]
    [InlineData("/var/lib/lifeboat/disk0.raw")]
    [InlineData("nbd+unix:///disk0?socket=/run/x.sock")]
    [InlineData("http://198.18.0.1/disk0.raw")]
    [InlineData("nfs:///lifeboat/disk0.raw")]
    public void A_disk_that_is_not_on_the_mount_server_over_the_network_is_refused_by_name(string source)
    {
        var refused = Assert.Throws<ArgumentException>(() => LibvirtHostedDomainXml.Create(Spec with { Vm = Spec.Vm with { Disks = [new QemuDisk(source)] } }, "qemu"));
        Assert.StartsWith($"Disk {source} is not on the mount server", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_recorded_libvirt_domain_keeps_its_features_clock_and_devices_that_name_nothing_of_the_old_host()
    {
        const string Recorded = """
            <domain type='kvm'>
              <name>web1</name>
              <features><acpi/><apic/><vmport state='off'/></features>
              <clock offset='localtime'><timer name='rtc' tickpolicy='catchup'/></clock>
              <devices>
                <disk type='file' device='disk'><source file='/var/lib/libvirt/images/web1.qcow2'/><target dev='vda' bus='virtio'/></disk>
                <controller type='usb' model='qemu-xhci'><alias name='usb'/><address type='pci' domain='0x0000' bus='0x02' slot='0x00' function='0x0'/></controller>
                <interface type='bridge'><source bridge='br0'/></interface>
                <input type='tablet' bus='usb'/>
                <input type='passthrough' bus='virtio'><source evdev='/dev/input/event1'/></input>
                <video><model type='virtio' heads='1'/></video>
                <rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>
                <rng model='virtio'><backend model='egd' type='tcp'><source mode='connect' host='10.1.1.1' service='708'/></backend></rng>
                <hostdev mode='subsystem' type='pci'><source><address domain='0' bus='3' slot='0' function='0'/></source></hostdev>
                <filesystem type='mount'><source dir='/srv/share'/><target dir='share'/></filesystem>
              </devices>
            </domain>
            """;
        var domain = XDocument.Parse(LibvirtHostedDomainXml.Create(Spec with { RecordedDomainXml = Recorded }, "qemu")).Root!;
        Assert.NotNull(domain.Element("features")!.Element("vmport"));
        Assert.Equal("localtime", (string?)domain.Element("clock")?.Attribute("offset"));

        var devices = domain.Element("devices")!;
        Assert.Equal("qemu-xhci", (string?)Assert.Single(devices.Elements("controller")).Attribute("model"));
        Assert.Empty(devices.Elements("controller").Elements("address"));
        Assert.Equal("virtio", (string?)Assert.Single(devices.Elements("video")).Element("model")?.Attribute("type"));
        Assert.Equal("/dev/urandom", Assert.Single(devices.Elements("rng")).Element("backend")?.Value);
        Assert.Single(devices.Elements("input"));
        Assert.Empty(devices.Elements("hostdev"));
        Assert.Empty(devices.Elements("filesystem"));
        Assert.Empty(devices.Elements("interface"));
        Assert.All(devices.Elements("disk"), disk => Assert.Equal("network", (string?)disk.Attribute("type")));

        var unparsable = XDocument.Parse(LibvirtHostedDomainXml.Create(Spec with { RecordedDomainXml = "<domain" }, "qemu")).Root!;
        Assert.NotNull(unparsable.Element("features")!.Element("acpi"));
    }
}
