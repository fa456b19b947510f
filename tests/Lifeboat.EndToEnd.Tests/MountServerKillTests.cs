using System.Globalization;
using Lifeboat.Hypervisors.Qemu;
using Xunit.Abstractions;

namespace Lifeboat.EndToEnd.Tests;

/// <summary>A mount server killed with SIGKILL while a client writes loses nothing it acknowledged as committed.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class MountServerKillTests(GuestImage guest, ITestOutputHelper output)
{
    private const string DiskUrl = "nfs://127.0.0.1/lifeboat/guest/disk0.raw";
    private const int WritesBeforeKill = 12;
    private const int WritesWhileDown = 3;
    private const int WritesAfterRestart = 6;
    private const int GuestRounds = 4;
    private const string TickMarker = "LIFEBOAT-GUEST-TICK ";

    /// <summary>Ticks the guest must count (one a second, each synced to disk) after a restart before the next kill.</summary>
    private const int TicksAfterRestart = 3;

    /// <summary>How long the server stays dead each round, as in the report of issue 8.</summary>
    private static readonly TimeSpan Downtime = TimeSpan.FromSeconds(3.5);

    /// <summary>About 10 s under TCG on an idle machine; generous because other test projects share the two cores.</summary>
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(240);

    private static readonly TimeSpan ResumeTimeout = TimeSpan.FromSeconds(60);

    /// <summary>What a guest kernel prints when its disk failed a request: the VM must never see one.</summary>
    private static readonly string[] GuestIoErrors = ["I/O error", "EXT4-fs error", "Remounting filesystem read-only", "blk_update_request"];

    /// <summary>Long enough for qemu-io to have mounted and sent its WRITE, short of its end (about 50 ms here).</summary>
    private static readonly TimeSpan KillDelay = TimeSpan.FromMilliseconds(25);

    [Fact]
    public async Task Every_write_flushed_before_a_kill_9_is_read_back_after_the_restart_and_new_writes_are_served()
    {
        using var folder = new TestFolder();
        using var network = await NetworkNamespace.CreateAsync();
        var repository = folder["repo"];
        await LifeboatCli.BackUpAsync(repository, "guest", guest.RawDisk, guest.VmConfig);
        var settings = new MountServerArguments(repository, folder["cache"]) { Publish = ["guest"] };
        var committed = new List<DiskPattern>();
        var index = 0;

        Task<ToolResult> inFlightWrite;
        var inFlight = DiskPattern.InSeries(WritesBeforeKill);
        using (var server = await MountServer.StartAsync(settings, network))
        {
            Assert.Equal([DiskUrl], server.Publication("guest").DiskUrls);
            for (; index < WritesBeforeKill; index++)
            {
                var pattern = DiskPattern.InSeries(index);
                (await QemuIo.WriteAndFlushAsync(network, DiskUrl, pattern)).ShouldSucceed();
                committed.Add(pattern);
            }

            // The kill lands while a client is connected and writing. libnfs keeps reconnecting to the
            // same address, so that client may finish against the restarted server; its exit code decides.
            inFlightWrite = QemuIo.WriteAndFlushAsync(network, DiskUrl, inFlight);
            index++;
            await Task.Delay(KillDelay);
            server.KillHard();
        }

        // While the server is down, nothing is acknowledged.
        for (var i = 0; i < WritesWhileDown; i++)
        {
            var refused = await QemuIo.WriteAndFlushAsync(network, DiskUrl, DiskPattern.InSeries(index++));
            Assert.False(refused.Succeeded, $"a write was acknowledged with no mount server running: {refused}");
        }

        using (var server = await MountServer.StartAsync(settings with { Publish = [] }, network))
        {
            var inFlightResult = await inFlightWrite;
            if (inFlightResult.Succeeded)
            {
                committed.Add(inFlight);
            }

            output.WriteLine($"The write in flight at the kill {(inFlightResult.Succeeded ? "was acknowledged after the restart" : "failed")}. {inFlightResult.Stderr.Trim()}");
            foreach (var pattern in committed)
            {
                var read = await QemuIo.ReadAndCheckAsync(network, DiskUrl, pattern);
                Assert.True(read.Succeeded, $"the committed write {pattern} is not read back after the restart: {read}{Environment.NewLine}{server.Output}");
            }

            var later = new List<DiskPattern>();
            for (var i = 0; i < WritesAfterRestart; i++, index++)
            {
                var pattern = DiskPattern.InSeries(index);
                (await QemuIo.WriteAndFlushAsync(network, DiskUrl, pattern)).ShouldSucceed();
                later.Add(pattern);
            }

            foreach (var pattern in later)
            {
                (await QemuIo.ReadAndCheckAsync(network, DiskUrl, pattern)).ShouldSucceed();
            }
        }
    }

    [Fact]
    public async Task A_guest_writing_through_qemus_nfs_driver_goes_on_across_several_kill_9_restarts_and_never_sees_an_io_error()
    {
        using var folder = new TestFolder();
        using var network = await NetworkNamespace.CreateAsync();
        var repository = folder["repo"];
        await LifeboatCli.BackUpAsync(repository, "guest", guest.RawDisk, guest.VmConfig);
        var settings = new MountServerArguments(repository, folder["cache"]) { Publish = ["guest"] };
        var server = await MountServer.StartAsync(settings, network);
        try
        {
            var launcher = new QemuLauncher { QemuBinary = network.WriteWrapperScript(folder.Path, QemuAccelerator.DefaultQemuBinary) };
            var description = new QemuVmDescription
            {
                Name = "lifeboat-guest",
                MemoryMiB = guest.MemoryMiB,
                Accelerator = QemuAccelerator.Detect(),
                Disks = [new QemuDisk(DiskUrl) { Format = QemuDiskFormat.Raw, Bus = QemuDiskBus.Virtio }],
                // "stay": the guest writes a counter, syncs it and prints a tick every second, for as long as it runs.
                FirmwareConfig = new Dictionary<string, string> { [GuestImage.ModeEntry] = "stay" },
            };
            await using var vm = await launcher.StartAsync(description, Path.Combine(folder.Path, "vm"));
            var tick = await NextTickAsync(vm, BootTimeout);
            for (var round = 1; round <= GuestRounds; round++)
            {
                server.KillHard();
                server.Dispose();
                await Task.Delay(Downtime);
                server = await MountServer.StartAsync(settings with { Publish = [] }, network);
                var before = tick;
                var clock = System.Diagnostics.Stopwatch.StartNew();
                while (tick < before + TicksAfterRestart)
                {
                    var left = ResumeTimeout - clock.Elapsed;
                    Assert.True(left > TimeSpan.Zero, $"round {round}: the guest counted no further than {tick} in the {ResumeTimeout.TotalSeconds:0} s after the restart");
                    tick = await NextTickAsync(vm, left);
                }

                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round}: the guest counted on to {tick}, {clock.Elapsed.TotalSeconds:0.0} s after the restart"));
            }

            var console = await File.ReadAllTextAsync(vm.Serial.Path);
            foreach (var error in GuestIoErrors)
            {
                Assert.False(console.Contains(error, StringComparison.Ordinal), $"the guest saw a disk error ({error}). Its console:{Environment.NewLine}{console}");
            }
        }
        finally
        {
            server.Dispose();
        }
    }

    /// <summary>The number of the next tick line on the guest's console.</summary>
    private static async Task<int> NextTickAsync(QemuVm vm, TimeSpan timeout)
    {
        var line = await vm.WaitForConsoleAsync(TickMarker, timeout);
        var number = line[(line.IndexOf(TickMarker, StringComparison.Ordinal) + TickMarker.Length)..].Trim();
        return int.Parse(number, NumberStyles.None, CultureInfo.InvariantCulture);
    }
}
