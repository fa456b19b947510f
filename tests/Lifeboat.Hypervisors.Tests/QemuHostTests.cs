using Lifeboat.Hypervisors.Hosts;
using Lifeboat.Hypervisors.Qemu;
using Lifeboat.Hypervisors.Qemu.Host;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lifeboat.Hypervisors.Tests;

/// <summary>The embedded QEMU host behind <see cref="IHypervisorHost"/>: what it says of itself, what it refuses, a VM's life.</summary>
public sealed class QemuHostTests : IDisposable
{
    private readonly TestDirectory _folder = new();
    private readonly QemuHost _host = new(QemuAccelerator.DefaultQemuBinary, NullLogger<QemuHost>.Instance);

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task It_describes_this_machine_and_refuses_what_it_cannot_run_naming_itself()
    {
        var facts = await _host.DescribeAsync(CancellationToken.None);
        Assert.Equal(("local", HostKinds.Qemu, Environment.MachineName), (facts.Name, facts.Kind, facts.Hostname));
        Assert.True(facts.Reachable);
        Assert.Null(facts.Problem);
        Assert.Equal(Environment.ProcessorCount, facts.Cpus);
        Assert.InRange(facts.MemoryFreeMiB, 1, facts.MemoryTotalMiB);
        Assert.Contains(facts.Accelerator, new[] { "kvm", "tcg" });

        var fits = await _host.CheckAsync(Spec("fits"), CancellationToken.None);
        Assert.Contains($"{Environment.ProcessorCount} CPUs", fits, StringComparison.Ordinal);
        Assert.EndsWith("BIOS firmware (SeaBIOS)", fits, StringComparison.Ordinal);

        var cpus = await Assert.ThrowsAsync<HostException>(() => _host.CheckAsync(Spec("big") with { Vm = Spec("big").Vm with { Cpus = Environment.ProcessorCount + 1 } }, CancellationToken.None));
        Assert.Equal($"The VM needs {Environment.ProcessorCount + 1} CPUs and host {Environment.MachineName} has {Environment.ProcessorCount}; recover it on a larger host.", cpus.Message);
        var memory = await Assert.ThrowsAsync<HostException>(() => _host.CheckAsync(Spec("big") with { Vm = Spec("big").Vm with { MemoryMiB = int.MaxValue } }, CancellationToken.None));
        Assert.StartsWith($"The VM needs {int.MaxValue} MiB of memory and host {Environment.MachineName} has ", memory.Message, StringComparison.Ordinal);

        var missing = new QemuHost(_folder.Combine("no-qemu"), NullLogger<QemuHost>.Instance);
        var absent = await missing.DescribeAsync(CancellationToken.None);
        Assert.False(absent.Reachable);
        Assert.Null(absent.Accelerator);
        var refused = await Assert.ThrowsAsync<HostException>(() => missing.CheckAsync(Spec("x"), CancellationToken.None));
        Assert.Equal(absent.Problem, refused.Message);
        Assert.Contains("install the Debian package qemu-system-x86", refused.Message, StringComparison.Ordinal);

        var longFolder = Spec("long") with { RuntimeFolder = _folder.Combine(new string('f', 120)) };
        var tooLong = await Assert.ThrowsAsync<HostException>(() => _host.DefineAsync(longFolder, CancellationToken.None));
        Assert.Contains("longer than a unix socket path may be", tooLong.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(longFolder.RuntimeFolder));
    }

    [Fact]
    public async Task A_defined_vm_starts_is_found_again_by_its_reference_powers_off_and_is_undefined()
    {
        var spec = Spec("life");
        Assert.Null(await _host.FindAsync(spec.RuntimeFolder, spec, CancellationToken.None));
        await using (var defined = await _host.DefineAsync(spec, CancellationToken.None))
        {
            Assert.Equal(spec.RuntimeFolder, defined.Reference);
            Assert.False(defined.IsRunning);
            Assert.Matches("^process [0-9]+, (TCG|KVM)$", await defined.StartAsync(CancellationToken.None));
            Assert.True(defined.IsRunning);
            Assert.Equal(new HostedVmStatus(true, "running"), await defined.QueryStatusAsync(CancellationToken.None));
        }

        // Disposing let go of the monitor only: another server (a restart) finds the VM still running.
        Assert.NotNull(QemuRuntimeFolder.RunningProcess(spec.RuntimeFolder));
        var again = await new QemuHost(QemuAccelerator.DefaultQemuBinary, NullLogger<QemuHost>.Instance).FindAsync(spec.RuntimeFolder, spec, CancellationToken.None);
        Assert.NotNull(again);
        await using (again)
        {
            Assert.True(again.IsRunning);
            Assert.StartsWith("already running as process ", await again.StartAsync(CancellationToken.None), StringComparison.Ordinal);
            Assert.Equal(spec.RuntimeFolder + "/serial.log", again.ConsoleLogPath);
            Assert.Equal("QEMU quit", await again.PowerOffAsync(TimeSpan.FromSeconds(30), CancellationToken.None));
            Assert.False(again.IsRunning);
            var stopped = await Assert.ThrowsAsync<HostException>(() => again.QueryStatusAsync(CancellationToken.None));
            Assert.Contains("does not run", stopped.Message, StringComparison.Ordinal);
            Assert.Equal($"removed {spec.RuntimeFolder}", await again.UndefineAsync(CancellationToken.None));
        }

        Assert.Null(await _host.FindAsync(spec.RuntimeFolder, spec, CancellationToken.None));
    }

    private HostedVmSpec Spec(string name) => new()
    {
        Vm = new QemuVmDescription { Name = name, MachineType = "none", MemoryMiB = 16, Accelerator = QemuAcceleratorKind.Tcg },
        SessionId = "s-" + name,
        RestorePointId = "rp",
        RuntimeFolder = _folder.Combine(name),
    };
}
