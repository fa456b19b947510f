using System.Text.Json.Nodes;
using Lifeboat.Hypervisors.Hosts;
using Lifeboat.Hypervisors.Qemu;
using Lifeboat.Hypervisors.Qemu.Host;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lifeboat.Hypervisors.Tests;

/// <summary>
/// A VM of the local QEMU host started paused with no disks (what a recovery does while it still checks and
/// publishes), then given its disks over QMP and let run: the real guest boots from them.
/// </summary>
[Collection(GuestCollection.Name)]
public sealed class PausedStartTests(GuestImage guest)
{
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task A_vm_started_paused_without_disks_boots_the_guest_from_the_disks_attached_over_QMP()
    {
        using var folder = new TestDirectory();
        var overlay = await guest.CreateOverlayAsync(folder.Path);
        var data = folder.Combine("data.raw");
        await using (var file = File.Create(data))
            file.SetLength(16 * 1024 * 1024);
        var host = new QemuHost(QemuAccelerator.DefaultQemuBinary, NullLogger<QemuHost>.Instance);
        // The disks the VM will get are not known yet when it starts: it is defined with stand-ins.
        var spec = Spec(folder);
        Assert.Null(host.WhyNotStartPaused(spec));

        await using var defined = await host.DefineAsync(spec, CancellationToken.None);
        var paused = Assert.IsAssignableFrom<IPausedStart>(defined);
        Assert.Matches("^process [0-9]+, (TCG|KVM), CPUs stopped, no disks yet$", await paused.StartPausedAsync(CancellationToken.None));
        Assert.True(defined.IsRunning);
        Assert.Equal(new HostedVmStatus(false, QemuPausedStart.Prelaunch), await defined.QueryStatusAsync(CancellationToken.None));
        var paths = new QemuVmPaths(spec.RuntimeFolder);
        Assert.Contains("-S", Metadata(paths)["arguments"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal(0, new FileInfo(paths.SerialLog).Length);

        Assert.Matches("^2 disk\\(s\\) attached over QMP and the CPUs resumed in [0-9.]+ s$", await paused.RunWithDisksAsync([overlay, data], CancellationToken.None));
        Assert.Contains("mode=stay", await defined.WaitForConsoleAsync(GuestImage.BootedMarker, BootTimeout, CancellationToken.None), StringComparison.Ordinal);
        Assert.Equal(new HostedVmStatus(true, "running"), await defined.QueryStatusAsync(CancellationToken.None));
        // What was attached is kept as the options that would have given the same disks at start.
        var attached = Metadata(paths)[QemuPausedStart.AttachedDisksField]!.AsArray().Select(a => a!.GetValue<string>()).ToList();
        Assert.Equal(["-blockdev", "-device", "-blockdev", "-device"], attached.Where((_, i) => i % 2 == 0));
        Assert.Contains(overlay, attached[1], StringComparison.Ordinal);
        Assert.Equal("virtio-blk-pci,drive=disk1,id=disk1-device,bootindex=2", attached[7]);

        // Started and running now: not a paused QEMU to give disks to any more.
        var again = await Assert.ThrowsAsync<HostException>(() => paused.RunWithDisksAsync([overlay, data], CancellationToken.None));
        Assert.Contains("is running, not a QEMU started paused that never ran", again.Message, StringComparison.Ordinal);
        Assert.Equal("QEMU quit", await defined.PowerOffAsync(TimeSpan.FromSeconds(30), CancellationToken.None));
    }

    [Fact]
    public void Disks_that_cannot_be_attached_to_a_started_machine_start_with_it()
    {
        var vm = new QemuVmDescription { Name = "x", Disks = [new QemuDisk("a.raw")] };
        Assert.Null(QemuPausedStart.WhyNot(vm));
        Assert.Null(QemuPausedStart.WhyNot(vm with { MachineType = "pc-i440fx-7.2", Disks = [new QemuDisk("a.raw") { Bus = QemuDiskBus.Scsi }] }));
        Assert.Equal("IDE disks cannot be attached to a started machine", QemuPausedStart.WhyNot(vm with { Disks = [new QemuDisk("a.raw") { Bus = QemuDiskBus.Ide }] }));
        Assert.Equal("its machine type q35 takes no disks on its root bus after it starts", QemuPausedStart.WhyNot(vm with { MachineType = "q35" }));
        Assert.Equal("it has no disks", QemuPausedStart.WhyNot(vm with { Disks = [] }));
    }

    private static JsonObject Metadata(QemuVmPaths paths) => JsonNode.Parse(File.ReadAllText(paths.Metadata))!.AsObject();

    private HostedVmSpec Spec(TestDirectory folder) => new()
    {
        Vm = new QemuVmDescription
        {
            Name = "paused",
            MemoryMiB = guest.MemoryMiB,
            Disks = [new QemuDisk(folder.Combine("planned.qcow2")) { Format = QemuDiskFormat.Qcow2 }, new QemuDisk(folder.Combine("planned.raw"))],
            FirmwareConfig = new Dictionary<string, string> { [GuestImage.ModeEntry] = "stay" },
        },
        SessionId = "s-paused",
        RestorePointId = "rp",
        RuntimeFolder = folder.Combine("vm"),
    };
}
