using Lifeboat.Hypervisors.Qemu;

namespace Lifeboat.Hypervisors.Tests;

public sealed class QemuAcceleratorTests
{
    [Fact]
    public void Virtualization_flags_are_read_from_the_flags_lines_only()
    {
        Assert.True(QemuAccelerator.CpuSupportsVirtualization("processor\t: 0\nflags\t\t: fpu vme svm sse2\n"));
        Assert.True(QemuAccelerator.CpuSupportsVirtualization("flags\t\t: fpu vmx\nbugs\t\t: spectre_v1\n"));
        Assert.False(QemuAccelerator.CpuSupportsVirtualization("flags\t\t: fpu vme hypervisor avx2\n"));
        Assert.False(QemuAccelerator.CpuSupportsVirtualization("model name\t: svm vmx in a name\nflags\t\t: fpu svmx vmxe\n"));
        Assert.False(QemuAccelerator.CpuSupportsVirtualization(string.Empty));
    }

    [Fact]
    public void The_probe_sees_the_firmware_finish_under_tcg()
    {
        Assert.True(QemuAccelerator.Probe(QemuAcceleratorKind.Tcg, TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public void Detect_is_cached_and_never_picks_kvm_where_kvm_cannot_run_guests()
    {
        var detected = QemuAccelerator.Detect();
        Assert.Equal(detected, QemuAccelerator.Detect());

        var cpuHasFlags = QemuAccelerator.CpuSupportsVirtualization(File.ReadAllText("/proc/cpuinfo"));
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(QemuAccelerator.OverrideVariable)) && !cpuHasFlags)
        {
            Assert.Equal(QemuAcceleratorKind.Tcg, detected);
        }

        // A /dev/kvm on a CPU without the flags (as on these build machines) accepts VMs whose CPUs then
        // hang; the probe must see that rather than trust the device.
        if (File.Exists("/dev/kvm") && !cpuHasFlags)
        {
            Assert.False(QemuAccelerator.Probe(QemuAcceleratorKind.Kvm, TimeSpan.FromSeconds(2)));
        }
    }
}
