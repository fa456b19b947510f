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
    [InlineData("cpus: 2")]
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
