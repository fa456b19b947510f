using Lifeboat.Hypervisors.Qemu;

namespace Lifeboat.Hypervisors.Tests;

public sealed class QemuLauncherTests : IDisposable
{
    private readonly TestDirectory _folder = new();

    [Fact]
    public async Task Qemus_own_reason_is_reported_when_it_refuses_a_vm()
    {
        var missing = _folder.Combine("missing.raw");
        var vm = new QemuVmDescription { Name = "broken", Disks = [new QemuDisk(missing)], Accelerator = QemuAcceleratorKind.Tcg };
        var failure = await Assert.ThrowsAsync<QemuException>(() => new QemuLauncher().StartAsync(vm, _folder.Combine("vm")));
        Assert.Contains("could not start VM broken", failure.Message, StringComparison.Ordinal);
        Assert.Contains(missing, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Qemus_nfs_driver_takes_the_options_an_nfs_url_becomes()
    {
        // No export of this name exists here, so QEMU gets as far as asking the server, and no further.
        var vm = new QemuVmDescription
        {
            Name = "nfs",
            Disks = [new QemuDisk("nfs://127.0.0.1/lifeboat-hv-test-missing/disk0.raw?uid=0&gid=0&readahead=131072")],
            Accelerator = QemuAcceleratorKind.Tcg,
        };
        var failure = await Assert.ThrowsAsync<QemuException>(() => new QemuLauncher().StartAsync(vm, _folder.Combine("vm")));
        Assert.Contains("Failed to mount nfs share", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("is unexpected", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Invalid parameter", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_vm_in_the_same_runtime_folder_is_refused()
    {
        var vm = new QemuVmDescription { Name = "once", MachineType = "none", MemoryMiB = 16, Accelerator = QemuAcceleratorKind.Tcg };
        var launcher = new QemuLauncher();
        await using var first = await launcher.StartAsync(vm, _folder.Combine("vm"));
        var failure = await Assert.ThrowsAsync<QemuException>(() => launcher.StartAsync(vm, _folder.Combine("vm")));
        Assert.Contains("already runs", failure.Message, StringComparison.Ordinal);
        Assert.True(first.IsRunning);
        await first.KillAsync();
        Assert.False(first.IsRunning);
        Assert.True(File.Exists(first.Paths.PidFile), "a killed QEMU cannot remove its pid file");

        // The stale pid file does not stop the next start in the same folder, and the last run's log is kept.
        await using var second = await launcher.StartAsync(vm, _folder.Combine("vm"));
        Assert.NotEqual(first.ProcessId, second.ProcessId);
        Assert.True(File.Exists(second.Paths.SerialLog + ".1"));
        await second.QuitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_runtime_folder_too_long_for_a_unix_socket_is_refused_before_starting()
    {
        var vm = new QemuVmDescription { Name = "long", MachineType = "none", MemoryMiB = 16, Accelerator = QemuAcceleratorKind.Tcg };
        var folder = _folder.Combine(new string('d', 120));
        var failure = await Assert.ThrowsAsync<ArgumentException>(() => new QemuLauncher().StartAsync(vm, folder));
        Assert.Contains("shorter", failure.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public async Task Attaching_where_no_vm_runs_says_so()
    {
        var failure = await Assert.ThrowsAsync<QemuException>(() => QemuVm.AttachAsync(_folder.Path));
        Assert.Contains("No VM runs", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_qemu_binary_names_the_package_to_install()
    {
        var vm = new QemuVmDescription { Name = "nobinary", MachineType = "none", MemoryMiB = 16, Accelerator = QemuAcceleratorKind.Tcg };
        var launcher = new QemuLauncher { QemuBinary = _folder.Combine("no-such-qemu") };
        var failure = await Assert.ThrowsAsync<QemuException>(() => launcher.StartAsync(vm, _folder.Combine("vm")));
        Assert.Contains("qemu-system-x86", failure.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _folder.Dispose();
}
