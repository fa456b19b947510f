using System.Text.Json;
using Lifeboat.Repository.Manifests;

namespace Lifeboat.Repository.Tests;

public class VmHardwareTests
{
    [Fact]
    public void Json_description_is_parsed()
    {
        var hardware = VmHardware.Parse("""{"cpus":2,"memoryMiB":512,"diskBus":"virtio","nicModel":"virtio-net","firmware":"bios","extra":{"kept":"in text"}}""");

        Assert.Equal(new VmHardware(2, 512, "virtio", "virtio-net", "bios"), hardware);
    }

    [Fact]
    public void Libvirt_domain_xml_is_parsed_with_units_and_direct_kernel_boot()
    {
        const string xml = """
            <domain type='kvm'>
              <name>web1</name>
              <memory unit='GiB'>2</memory>
              <vcpu placement='static'>4</vcpu>
              <os>
                <type arch='x86_64' machine='pc'>hvm</type>
                <kernel>/boot/vmlinuz</kernel>
                <initrd>/boot/initrd.img</initrd>
                <cmdline>console=ttyS0 root=/dev/vda2</cmdline>
              </os>
              <devices>
                <disk type='file' device='cdrom'><target dev='hdc' bus='ide'/></disk>
                <disk type='file' device='disk'><source file='/var/lib/web1.qcow2'/><target dev='vda' bus='virtio'/></disk>
                <interface type='network'><model type='e1000'/></interface>
              </devices>
            </domain>
            """;

        var hardware = VmHardware.Parse(xml);

        Assert.Equal(4, hardware.Cpus);
        Assert.Equal(2048, hardware.MemoryMiB);
        Assert.Equal("virtio", hardware.DiskBus);
        Assert.Equal("e1000", hardware.NicModel);
        Assert.Equal("bios", hardware.Firmware);
        Assert.Equal("/boot/vmlinuz", hardware.Kernel);
        Assert.Equal("/boot/initrd.img", hardware.Initrd);
        Assert.Equal("console=ttyS0 root=/dev/vda2", hardware.Cmdline);
        Assert.Equal(VmHardware.LibvirtXmlFormat, VmHardware.DetectFormat(xml));
    }

    [Fact]
    public void Each_disk_keeps_its_own_bus_and_disks_without_one_take_the_first_disks()
    {
        var xml = VmHardware.Parse("""
            <domain>
              <devices>
                <disk type='file' device='disk'><target dev='sda' bus='sata'/></disk>
                <disk type='file' device='cdrom'><target dev='hdc' bus='ide'/></disk>
                <disk type='file' device='disk'><target dev='vdb' bus='virtio'/></disk>
                <disk type='file' device='disk'><target dev='vdc'/></disk>
              </devices>
            </domain>
            """);
        Assert.Equal(["sata", "virtio", null], xml.DiskBuses);
        Assert.Equal(["sata", "virtio", "sata", "sata"], Enumerable.Range(0, 4).Select(xml.BusOfDisk));

        var json = VmHardware.Parse("""{"diskBus":"virtio","diskBuses":["ide",null]}""");
        Assert.Equal(["ide", "virtio", "virtio"], Enumerable.Range(0, 3).Select(json.BusOfDisk));
        Assert.Equal("virtio", VmHardware.Parse("""{"diskBus":"virtio"}""").BusOfDisk(5));

        Assert.Throws<FormatException>(() => VmHardware.Parse("""{"diskBuses":"virtio"}"""));
        Assert.Throws<FormatException>(() => VmHardware.Parse("""{"diskBuses":[1]}"""));
        var tooMany = "{\"diskBuses\":[" + string.Join(',', Enumerable.Repeat("\"virtio\"", VmHardware.MaxDisks + 1)) + "]}";
        Assert.Throws<FormatException>(() => VmHardware.Parse(tooMany));
    }

    [Theory]
    [InlineData("<domain><memory>524288</memory><os firmware='efi'><type>hvm</type></os></domain>", 512, "efi")]
    [InlineData("<domain><memory unit='MiB'>1000</memory><os><loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE.fd</loader></os></domain>", 1000, "efi")]
    [InlineData("<domain><memory unit='MB'>1000</memory><os><type>hvm</type></os></domain>", 954, "bios")]
    public void Libvirt_memory_units_and_firmware(string xml, long memoryMiB, string firmware)
    {
        var hardware = VmHardware.Parse(xml);

        Assert.Equal(memoryMiB, hardware.MemoryMiB);
        Assert.Equal(firmware, hardware.Firmware);
    }

    [Theory]
    [InlineData("""{"cpus":1,"guestAgent":true}""", true)]
    [InlineData("""{"cpus":1,"guestAgent":false}""", false)]
    [InlineData("""{"cpus":1,"guestAgent":null}""", null)]
    [InlineData("""{"cpus":1}""", null)]
    public void Json_guest_agent_flag_is_parsed_and_left_null_when_not_given(string json, bool? guestAgent)
    {
        Assert.Equal(guestAgent, VmHardware.Parse(json).GuestAgent);
    }

    [Theory]
    [InlineData("<channel type='unix'><source mode='bind'/><target type='virtio' name='org.qemu.guest_agent.0'/></channel>", true)]
    [InlineData("<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0' state='disconnected'/></channel>", true)]
    [InlineData("<channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0'/></channel>", false)]
    [InlineData("<channel type='pty'><target type='guestfwd' address='10.0.2.1' port='4600'/></channel>", false)]
    [InlineData("<serial type='pty'><target port='0'/></serial>", false)]
    public void Libvirt_guest_agent_channel_is_found_among_the_devices(string device, bool guestAgent)
    {
        var hardware = VmHardware.Parse($"<domain type='kvm'><vcpu>1</vcpu><devices>{device}</devices></domain>");

        Assert.Equal(guestAgent, hardware.GuestAgent);
    }

    [Fact]
    public void Libvirt_domain_without_devices_leaves_the_guest_agent_unknown()
    {
        Assert.Null(VmHardware.Parse("<domain><vcpu>1</vcpu></domain>").GuestAgent);
    }

    [Fact]
    public void Manifest_headers_written_before_the_guest_agent_flag_read_with_it_unknown()
    {
        const string oldHeader = """
            {"id":"0123456789ab","vm":"web1","time":"2026-11-20T10:00:00+00:00",
             "vmConfig":{"format":"json","text":"{\"cpus\":2}","hardware":{"cpus":2,"memoryMiB":512,"diskBus":"virtio"}},
             "disks":[]}
            """;

        var header = JsonSerializer.Deserialize(oldHeader, RepositoryJsonContext.Default.ManifestHeader);

        Assert.NotNull(header?.VmConfig?.Hardware);
        Assert.Equal(new VmHardware(2, 512, "virtio"), header.VmConfig.Hardware);
        Assert.Null(header.VmConfig.Hardware.GuestAgent);
    }

    [Fact]
    public void Manifest_headers_keep_the_guest_agent_flag()
    {
        var hardware = VmHardware.Parse("""{"cpus":1,"memoryMiB":256,"guestAgent":true}""");
        var header = new ManifestHeader("0123456789ab", "guest", DateTimeOffset.UnixEpoch, null, new ManifestVmConfig(VmHardware.JsonFormat, "{}", hardware), []);

        var json = JsonSerializer.Serialize(header, RepositoryJsonContext.Default.ManifestHeader);
        var read = JsonSerializer.Deserialize(json, RepositoryJsonContext.Default.ManifestHeader);

        Assert.Contains("\"guestAgent\":true", json, StringComparison.Ordinal);
        Assert.Equal(hardware, read?.VmConfig?.Hardware);
    }

    [Theory]
    [InlineData("cpus: 2")]
    [InlineData("{\"guestAgent\": \"yes\"}")]
    [InlineData("{\"cpus\": \"two\"}")]
    [InlineData("{\"cpus\": 2")]
    [InlineData("<vm><vcpu>2</vcpu></vm>")]
    [InlineData("<!DOCTYPE domain [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><domain><name>&x;</name></domain>")]
    [InlineData("<domain><vcpu>many</vcpu></domain>")]
    public void Unusable_configurations_give_a_clear_format_error(string text)
    {
        var error = Assert.Throws<FormatException>(() => VmHardware.Parse(text));

        Assert.StartsWith("The VM configuration", error.Message, StringComparison.Ordinal);
    }
}
