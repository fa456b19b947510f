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
}
