using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Lifeboat.Hypervisors.Qemu;
using Lifeboat.Hypervisors.Qemu.GuestAgent;
using Xunit.Abstractions;

namespace Lifeboat.Hypervisors.Tests;

/// <summary>The QEMU guest agent channel, with the real qemu-ga inside the test guest (tests/guest/README.md).</summary>
[Collection(GuestCollection.Name)]
public sealed class GuestAgentTests(GuestImage guest, ITestOutputHelper output)
{
    private const string AgentMarker = "LIFEBOAT-GUEST-AGENT";

    /// <summary>About 10 s under TCG on an idle machine; generous because other work shares the cores.</summary>
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_guests_agent_answers_a_ping_once_booted_and_again_on_a_new_connection()
    {
        Assert.True(guest.Hardware["guestAgent"]?.GetValue<bool>(), "guest.json records no guest agent channel");
        using var folder = new TestDirectory();
        var overlay = await guest.CreateOverlayAsync(folder.Path);
        var runtime = folder.Combine("vm");
        var clock = Stopwatch.StartNew();
        await using (var vm = await new QemuLauncher().StartAsync(Describe(overlay), runtime))
        {
            Assert.True(vm.HasGuestAgentChannel);
            // Pings start while the firmware still runs: they wait in the channel until qemu-ga starts in the guest.
            await vm.WaitForAgentAsync(BootTimeout);
            output.WriteLine($"The guest agent answered {clock.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s after the start ({QemuAccelerator.Detect()}).");
            Assert.Contains("/dev/vport", await vm.WaitForConsoleAsync(AgentMarker, BootTimeout), StringComparison.Ordinal);
        }

        // A new handle and a new connection: what the first client left in the channel does not confuse this one.
        await using var attached = await QemuVm.AttachAsync(runtime);
        await attached.WaitForAgentAsync(BootTimeout);
        await using (var agent = await QemuGuestAgentClient.ConnectAsync(attached.Paths.GuestAgentSocket))
        {
            var info = await agent.ExecuteAsync("guest-info", null, CommandTimeout);
            Assert.False(string.IsNullOrEmpty(info?["version"]?.GetValue<string>()));
            var commands = info?["supported_commands"]?.AsArray() ?? [];
            Assert.Contains(commands, command => command?["name"]?.GetValue<string>() == "guest-ping" && command["enabled"]?.GetValue<bool>() == true);

            var unknown = await Assert.ThrowsAsync<GuestAgentException>(() => agent.ExecuteAsync("no-such-command", null, CommandTimeout));
            Assert.Equal("CommandNotFound", unknown.ErrorClass);
            // An error answer leaves the connection in step with the agent.
            Assert.IsType<JsonObject>(await agent.ExecuteAsync("guest-ping", null, CommandTimeout));
        }

        await attached.QuitAsync(ShutdownTimeout);
        Assert.False(attached.IsRunning);
    }

    [Fact]
    public async Task A_vm_without_an_agent_channel_is_refused_at_once()
    {
        using var folder = new TestDirectory();
        await using var vm = await new QemuLauncher().StartAsync(
            new QemuVmDescription { Name = "no-agent", MachineType = "none", MemoryMiB = 16, Accelerator = QemuAcceleratorKind.Tcg },
            folder.Combine("vm"));

        Assert.False(vm.HasGuestAgentChannel);
        var failure = await Assert.ThrowsAsync<QemuException>(() => vm.WaitForAgentAsync(BootTimeout));
        Assert.Contains("no guest agent channel", failure.Message, StringComparison.Ordinal);
        await vm.QuitAsync(ShutdownTimeout);
    }

    [Fact]
    public async Task A_guest_that_runs_no_agent_times_out_with_a_clear_error_and_a_vm_that_stops_ends_the_wait()
    {
        using var folder = new TestDirectory();
        // A channel but nothing to boot: the firmware finds no disk, so no agent ever reads the pings.
        var description = new QemuVmDescription { Name = "silent-guest", MemoryMiB = 64, GuestAgent = true };
        await using var vm = await new QemuLauncher().StartAsync(description, folder.Combine("vm"));

        // Longer than one ping attempt, so the client resynchronizes on the same connection before giving up.
        var timeout = await Assert.ThrowsAsync<TimeoutException>(() => vm.WaitForAgentAsync(TimeSpan.FromSeconds(5)));
        Assert.Contains("did not answer within 5 s", timeout.Message, StringComparison.Ordinal);
        Assert.Contains("qemu-ga", timeout.Message, StringComparison.Ordinal);
        Assert.True(vm.IsRunning);

        var waiting = vm.WaitForAgentAsync(BootTimeout);
        await vm.Qmp.ExecuteAsync("quit");
        var stopped = await Assert.ThrowsAsync<QemuException>(() => waiting);
        Assert.Contains("stopped before its guest agent answered", stopped.Message, StringComparison.Ordinal);
    }

    private QemuVmDescription Describe(string overlay) => new()
    {
        Name = "lifeboat-guest",
        MemoryMiB = guest.MemoryMiB,
        Disks = [new QemuDisk(overlay) { Format = QemuDiskFormat.Qcow2 }],
        GuestAgent = true,
        FirmwareConfig = new Dictionary<string, string> { [GuestImage.ModeEntry] = "stay" },
    };
}
