using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Lifeboat.Hypervisors.Qemu;
using Xunit.Abstractions;

namespace Lifeboat.Hypervisors.Tests;

/// <summary>Boots the real test guest under QEMU (TCG on machines where KVM does not work).</summary>
[Collection(GuestCollection.Name)]
public sealed class GuestBootTests(GuestImage guest, ITestOutputHelper output)
{
    /// <summary>About 10 s under TCG on an idle machine; generous because other work shares the cores.</summary>
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Marker_written_by_the_guest_is_found_after_each_reboot_on_every_disk_bus()
    {
        using var folder = new TestDirectory();
        var overlay = await guest.CreateOverlayAsync(folder.Path);
        var cachedDiskWrittenAt = File.GetLastWriteTimeUtc(guest.RawDisk);
        var launcher = new QemuLauncher();
        var bootSeconds = new List<double>();

        string written;
        var clock = Stopwatch.StartNew();
        await using (var vm = await launcher.StartAsync(Describe(overlay, mode: "write"), folder.Combine("vm")))
        {
            await vm.WaitForConsoleAsync(GuestImage.BootedMarker, BootTimeout);
            bootSeconds.Add(clock.Elapsed.TotalSeconds);
            Assert.Equal("none", MarkerValue(await vm.WaitForConsoleAsync(GuestImage.FoundMarker, BootTimeout)));
            written = MarkerValue(await vm.WaitForConsoleAsync(GuestImage.WroteMarker, BootTimeout));
            await vm.WaitForConsoleAsync(GuestImage.PowerOffMarker, BootTimeout);
            await vm.WaitForExitAsync(ShutdownTimeout);
        }

        Assert.Matches("^[0-9a-f]{64}$", written);
        // The guest finds its root file system by label, so the same disk boots on the other buses too.
        foreach (var (bus, nic) in new[] { (QemuDiskBus.Ide, QemuNicModel.E1000), (QemuDiskBus.Scsi, QemuNicModel.VirtioNet) })
        {
            var description = Describe(overlay, mode: null) with
            {
                Disks = [new QemuDisk(overlay) { Format = QemuDiskFormat.Qcow2, Bus = bus }],
                Nic = nic,
            };
            clock.Restart();
            await using var vm = await launcher.StartAsync(description, folder.Combine("vm"));
            var booted = await vm.WaitForConsoleAsync(GuestImage.BootedMarker, BootTimeout);
            bootSeconds.Add(clock.Elapsed.TotalSeconds);
            Assert.Contains("mode=check", booted, StringComparison.Ordinal);
            Assert.Equal(written, MarkerValue(await vm.WaitForConsoleAsync(GuestImage.FoundMarker, BootTimeout)));
            await vm.WaitForExitAsync(BootTimeout);
        }

        Assert.Equal(written, await ReadMarkerFromDiskAsync(overlay, folder));
        Assert.Equal(cachedDiskWrittenAt, File.GetLastWriteTimeUtc(guest.RawDisk));
        output.WriteLine(
            $"Seconds to {GuestImage.BootedMarker} ({QemuAccelerator.Detect()}; virtio, ide, scsi): " +
            string.Join(", ", bootSeconds.Select(seconds => seconds.ToString("0.0", CultureInfo.InvariantCulture))));
    }

    [Fact]
    public async Task Vm_keeps_running_after_its_launcher_handle_is_disposed_and_can_be_reattached_and_stopped()
    {
        using var folder = new TestDirectory();
        var overlay = await guest.CreateOverlayAsync(folder.Path);
        var runtime = folder.Combine("vm");
        int processId;
        int tickBeforeDispose;
        await using (var vm = await new QemuLauncher().StartAsync(Describe(overlay, mode: "stay"), runtime))
        {
            processId = vm.ProcessId;
            tickBeforeDispose = Tick(await vm.WaitForConsoleAsync(GuestImage.TickMarker, BootTimeout));
        }

        await using var attached = await QemuVm.AttachAsync(runtime);
        Assert.Equal(processId, attached.ProcessId);
        Assert.Equal("lifeboat-guest", attached.Name);
        Assert.Equal(new QemuRunStatus("running", Running: true), await attached.QueryStatusAsync());

        // The attached console reads this run from its start; ticks past the last one seen before the
        // handle was disposed show that the guest kept running.
        int tick;
        do
        {
            tick = Tick(await attached.WaitForConsoleAsync(GuestImage.TickMarker, BootTimeout));
        }
        while (tick < tickBeforeDispose + 2);

        await attached.QuitAsync(ShutdownTimeout);
        Assert.False(attached.IsRunning);
        Assert.False(File.Exists(attached.Paths.PidFile));
        await Assert.ThrowsAsync<QemuException>(() => QemuVm.AttachAsync(runtime));
        attached.DeleteRuntimeFiles();
        Assert.False(Directory.Exists(runtime));
    }

    [Fact]
    public async Task A_UEFI_VM_boots_the_guest_kernel_through_OVMF_and_keeps_its_variable_store()
    {
        var ovmf = OvmfFirmware.Find();
        Assert.True(ovmf is not null, $"OVMF is not installed in {OvmfFirmware.DebianFolder}: ./test installs the Debian package ovmf.");
        using var folder = new TestDirectory();
        var overlay = await guest.CreateOverlayAsync(folder.Path);
        var runtime = folder.Combine("vm");
        var description = Describe(overlay, mode: null) with
        {
            Firmware = QemuFirmware.Uefi,
            Kernel = Path.Combine(guest.Directory, "vmlinuz"),
            Initrd = Path.Combine(guest.Directory, "initrd.img"),
            // loglevel=7 lets the kernel's informational lines, EFI's among them, reach the console.
            KernelCommandLine = "root=LABEL=lifeboat-root console=ttyS0,115200 loglevel=7",
        };

        await using (var vm = await new QemuLauncher().StartAsync(description, runtime))
        {
            var booted = await vm.WaitForConsoleAsync(GuestImage.BootedMarker, BootTimeout);
            Assert.Contains("mode=check", booted, StringComparison.Ordinal);
            await vm.WaitForExitAsync(BootTimeout);
        }

        // The kernel's EFI stub ran under OVMF: the kernel names the firmware that started it ("efi: EFI v2.7 by EDK II").
        var serial = await File.ReadAllTextAsync(new QemuVmPaths(runtime).SerialLog);
        Assert.Contains("by EDK II", serial, StringComparison.Ordinal);
        Assert.Equal(new FileInfo(ovmf!.VariablesTemplate).Length, new FileInfo(new QemuVmPaths(runtime).EfiVariables).Length);
    }

    /// <summary>The SHA-256 of /data/marker as the host reads it from the disk, with e2fsprogs and no guest.</summary>
    private async Task<string> ReadMarkerFromDiskAsync(string overlay, TestDirectory folder)
    {
        var flat = folder.Combine("flat.raw");
        var marker = folder.Combine("marker");
        await Tools.RunOkAsync("qemu-img", "convert", "-f", "qcow2", "-O", "raw", overlay, flat);
        await Tools.RunOkAsync("debugfs", "-R", $"dump /data/marker {marker}", $"{flat}?offset={guest.RootPartitionOffset}");
        return Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(marker)));
    }

    private QemuVmDescription Describe(string overlay, string? mode) => new()
    {
        Name = "lifeboat-guest",
        MemoryMiB = guest.MemoryMiB,
        Disks = [new QemuDisk(overlay) { Format = QemuDiskFormat.Qcow2 }],
        FirmwareConfig = mode is null
            ? new Dictionary<string, string>()
            : new Dictionary<string, string> { [GuestImage.ModeEntry] = mode },
    };

    private static int Tick(string line) => int.Parse(MarkerValue(line), CultureInfo.InvariantCulture);

    /// <summary>The word after the marker: "LIFEBOAT-GUEST-WROTE 3f..." gives "3f...".</summary>
    private static string MarkerValue(string line)
    {
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var marker = Array.FindIndex(words, word => word.StartsWith("LIFEBOAT-GUEST-", StringComparison.Ordinal));
        Assert.True(marker >= 0 && marker + 1 < words.Length, $"no value after the marker in: {line}");
        return words[marker + 1];
    }
}
