using Lifeboat.Hypervisors.Qemu;
using Lifeboat.Repository;

namespace Lifeboat.Hypervisors.Tests;

/// <summary>The hardware a backup recorded, as the description QEMU starts the recovered VM from.</summary>
public sealed class RecordedVmTests
{
    [Fact]
    public void Each_disk_comes_back_on_the_bus_it_was_recorded_on()
    {
        var hardware = VmHardware.Parse("""
            <domain>
              <vcpu>2</vcpu>
              <memory unit='MiB'>768</memory>
              <os firmware='efi'><type>hvm</type></os>
              <devices>
                <disk type='file' device='disk'><target dev='sda' bus='sata'/></disk>
                <disk type='file' device='disk'><target dev='vdb' bus='virtio'/></disk>
                <interface type='network'><model type='e1000'/></interface>
                <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
              </devices>
            </domain>
            """);

        var vm = RecordedVm.Describe("web1", hardware, ["nfs://h/lifeboat/web1/disk0.raw", "nfs://h/lifeboat/web1/disk1.raw"]);

        Assert.Equal([QemuDiskBus.Ide, QemuDiskBus.Virtio], vm.Disks.Select(d => d.Bus));
        Assert.Equal("nfs://h/lifeboat/web1/disk1.raw", vm.Disks[1].Source);
        Assert.Equal((2, 768, QemuNicModel.E1000, QemuFirmware.Uefi, true), (vm.Cpus, vm.MemoryMiB, vm.Nic, vm.Firmware, vm.GuestAgent));
    }

    [Fact]
    public void A_VM_recorded_with_nothing_gets_one_CPU_512_MiB_virtio_disks_BIOS_and_no_agent()
    {
        var vm = RecordedVm.Describe("bare", null, ["a", "b"]);

        Assert.All(vm.Disks, d => Assert.Equal(QemuDiskBus.Virtio, d.Bus));
        Assert.Equal((1, 512, QemuNicModel.None, QemuFirmware.Bios, false), (vm.Cpus, vm.MemoryMiB, vm.Nic, vm.Firmware, vm.GuestAgent));
    }
}
