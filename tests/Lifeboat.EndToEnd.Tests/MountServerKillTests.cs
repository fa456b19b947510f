using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Lifeboat.Hypervisors.Qemu;
using Lifeboat.Nfs.Nfs3;
using Xunit.Abstractions;

namespace Lifeboat.EndToEnd.Tests;

/// <summary>A mount server killed with SIGKILL while a client writes loses nothing it acknowledged, committed or not.</summary>
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

    /// <summary>Each round restarts the server once (about a second), so the rounds bound this test's time.</summary>
    private const int KillRounds = 60;

    private const int WritesBeforeCommit = 16;
    private const int WritesAfterCommit = 8;

    /// <summary>The replies a round's client can see: its writes and two COMMITs.</summary>
    private const int RepliesPerRound = WritesBeforeCommit + 1 + WritesAfterCommit + 1;

    /// <summary>
    /// Each write of a round lies in a slot of its own, so no two overlap and every acknowledged one has one right
    /// content; a write may reach into the next slot's cluster, so neighbours fill the same cluster from the backup.
    /// </summary>
    private const int SlotBytes = 80 * 1024;

    private const int MaxWriteBytes = 64 * 1024;

    /// <summary>How long after the chosen reply the kill comes, by round: at once, as the next replies are sent, later.</summary>
    private static readonly TimeSpan[] KillDelays = [TimeSpan.Zero, TimeSpan.FromMicroseconds(150), TimeSpan.FromMicroseconds(600), TimeSpan.FromMilliseconds(2)];

    /// <summary>
    /// DESIGN.md: a write the server acknowledged survives a crash of the server process whatever its stability, and
    /// QEMU's libnfs re-sends a COMMIT to the restarted server without comparing write verifiers. Each round a client
    /// sends UNSTABLE (and some FILE_SYNC) writes, a COMMIT, more writes and a COMMIT; the server is killed after the
    /// Nth reply the client saw (N going through every reply of the round) plus a delay; after the restart every
    /// write that was answered OK must read back bit-exact, whether or not its COMMIT was.
    /// </summary>
    [Fact]
    public async Task Every_write_acknowledged_before_a_kill_9_between_write_replies_and_commit_is_read_back_bit_exact_after_the_restart()
    {
        using var folder = new TestFolder();
        var repository = folder.Combine("repo");
        await LifeboatCli.BackUpAsync(repository, "guest", guest.RawDisk, guest.HardwareJson);
        // On loopback without portmap: the test's client connects to the port it chose, which every restart listens on again.
        var settings = new MountServerArguments(repository, folder.Combine("cache")) { NfsPort = FreePorts.Tcp(), PortmapPort = 0, Listen = "127.0.0.1", Publish = ["guest"] };
        const long roundBytes = (WritesBeforeCommit + WritesAfterCommit) * SlotBytes;
        Assert.True(roundBytes * KillRounds <= new FileInfo(guest.RawDisk).Length, "The guest disk is too small for a region of its own per round.");
        var random = new Random(16);
        var acknowledged = new List<PlannedWrite>();
        var committedRounds = 0;
        var clock = Stopwatch.StartNew();
        var server = await MountServer.StartAsync(settings);
        try
        {
            byte[] file;
            await using (var client = await NfsDiskClient.ConnectAsync(settings.NfsPort))
            {
                file = await client.LookUpAsync("/lifeboat/guest", "disk0.raw");
            }

            for (var round = 0; round < KillRounds; round++)
            {
                var writes = PlanRound(random, round * roundBytes, round);
                var killAfter = round % (RepliesPerRound + 1);
                var delay = KillDelays[round % KillDelays.Length];
                var (answered, committed) = await WriteUntilKilledAsync(server, settings.NfsPort, file, writes, killAfter, delay);
                server.Dispose();
                committedRounds += committed ? 1 : 0;

                // The file handle from before the first kill: handles stay valid across restarts.
                server = await MountServer.StartAsync(settings with { Publish = [] });
                // Not connected when there is nothing to read: RpcClient disposed before its first call throws.
                if (answered.Count > 0)
                {
                    await using var client = await NfsDiskClient.ConnectAsync(settings.NfsPort);
                    foreach (var write in answered)
                    {
                        await AssertReadBackAsync(client, file, write, $"round {round} (killed {delay.TotalMilliseconds:0.###} ms after reply {killAfter} of {RepliesPerRound}, {answered.Count} writes answered{(committed ? ", one COMMIT answered" : "")})", server);
                    }
                }

                acknowledged.AddRange(answered);
            }

            // The rounds' regions do not overlap: every write acknowledged in any round still reads back after all the restarts.
            await using (var client = await NfsDiskClient.ConnectAsync(settings.NfsPort))
            {
                foreach (var write in acknowledged)
                {
                    await AssertReadBackAsync(client, file, write, "after the last restart", server);
                }
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{KillRounds} rounds in {clock.Elapsed.TotalSeconds:0.0} s: {acknowledged.Count} acknowledged writes read back, {committedRounds} rounds with a COMMIT answered before the kill."));
        }
        finally
        {
            server.Dispose();
        }
    }

    [Fact]
    public async Task Every_write_flushed_before_a_kill_9_is_read_back_after_the_restart_and_new_writes_are_served()
    {
        using var folder = new TestFolder();
        using var network = await NetworkNamespace.CreateAsync();
        var repository = folder.Combine("repo");
        await LifeboatCli.BackUpAsync(repository, "guest", guest.RawDisk, guest.HardwareJson);
        var settings = new MountServerArguments(repository, folder.Combine("cache")) { Publish = ["guest"] };
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
        var repository = folder.Combine("repo");
        await LifeboatCli.BackUpAsync(repository, "guest", guest.RawDisk, guest.HardwareJson);
        var settings = new MountServerArguments(repository, folder.Combine("cache")) { Publish = ["guest"] };
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

    /// <summary>The writes of one round, in its own region: random offsets (512-byte steps), lengths and bytes.</summary>
    private static List<PlannedWrite> PlanRound(Random random, long regionStart, int round)
    {
        var writes = new List<PlannedWrite>();
        for (var slot = 0; slot < WritesBeforeCommit + WritesAfterCommit; slot++)
        {
            var length = 512 * random.Next(1, (MaxWriteBytes / 512) + 1);
            var offset = regionStart + (slot * (long)SlotBytes) + (512 * random.Next(0, ((SlotBytes - length) / 512) + 1));
            var data = new byte[length];
            random.NextBytes(data);
            var stable = (slot + round) % 5 == 0 ? StableHow.FileSync : StableHow.Unstable;
            writes.Add(new PlannedWrite(offset, data, stable));
        }

        return writes;
    }

    /// <summary>
    /// Sends the round's first writes at once, a COMMIT once they are answered, the other writes, a COMMIT; kills the
    /// server <paramref name="delay"/> after the <paramref name="killAfter"/>th reply (0: as soon as the first writes
    /// are sent). Returns the writes answered OK and whether a COMMIT was.
    /// </summary>
    private static async Task<(List<PlannedWrite> Answered, bool Committed)> WriteUntilKilledAsync(
        MountServer server, int port, byte[] file, List<PlannedWrite> writes, int killAfter, TimeSpan delay)
    {
        var answered = new ConcurrentQueue<PlannedWrite>();
        var replies = 0;
        var killed = 0;
        var committed = false;

        void Kill()
        {
            if (Interlocked.Exchange(ref killed, 1) != 0)
            {
                return;
            }

            var waited = Stopwatch.StartNew();
            while (waited.Elapsed < delay)
            {
                Thread.SpinWait(20);
            }

            server.KillHard();
        }

        void Replied()
        {
            if (Interlocked.Increment(ref replies) == killAfter)
            {
                Kill();
            }
        }

        await using var client = await NfsDiskClient.ConnectAsync(port);

        async Task<bool> WriteAsync(PlannedWrite write)
        {
            Nfs3Status status;
            try
            {
                status = await client.WriteAsync(file, write.Offset, write.Data, write.Stable);
            }
            catch (IOException)
            {
                return false; // the server died before it answered
            }

            Assert.True(status == Nfs3Status.Ok, $"{write} was answered {status}.");
            answered.Enqueue(write);
            Replied();
            return true;
        }

        async Task<bool> CommitAsync()
        {
            Nfs3Status status;
            try
            {
                status = await client.CommitAsync(file);
            }
            catch (IOException)
            {
                return false;
            }

            Assert.True(status == Nfs3Status.Ok, $"COMMIT was answered {status}.");
            committed = true;
            Replied();
            return true;
        }

        var first = writes.Take(WritesBeforeCommit).Select(WriteAsync).ToList();
        if (killAfter == 0)
        {
            Kill();
        }

        if ((await Task.WhenAll(first)).All(ok => ok) && await CommitAsync())
        {
            var then = writes.Skip(WritesBeforeCommit).Select(WriteAsync).ToList();
            if ((await Task.WhenAll(then)).All(ok => ok))
            {
                await CommitAsync();
            }
        }

        // A moment past the round's last reply: the kill comes after everything.
        Kill();
        return ([.. answered], committed);
    }

    private static async Task AssertReadBackAsync(NfsDiskClient client, byte[] file, PlannedWrite write, string when, MountServer server)
    {
        var read = new byte[write.Data.Length];
        await client.ReadAsync(file, write.Offset, read);
        if (!read.AsSpan().SequenceEqual(write.Data))
        {
            var at = read.AsSpan().CommonPrefixLength(write.Data);
            Assert.Fail($"{when}: {write} was acknowledged before the kill, but after the restart its byte {at} (disk offset {write.Offset + at}) reads {read[at]}, not {write.Data[at]}.{Environment.NewLine}{server.Output}");
        }
    }

    /// <summary>One WRITE of a round.</summary>
    private sealed record PlannedWrite(long Offset, byte[] Data, StableHow Stable)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"the {Stable} WRITE of {Data.Length} bytes at {Offset}");
    }

    /// <summary>The number of the next tick line on the guest's console.</summary>
    private static async Task<int> NextTickAsync(QemuVm vm, TimeSpan timeout)
    {
        var line = await vm.WaitForConsoleAsync(TickMarker, timeout);
        var number = line[(line.IndexOf(TickMarker, StringComparison.Ordinal) + TickMarker.Length)..].Trim();
        return int.Parse(number, NumberStyles.None, CultureInfo.InvariantCulture);
    }
}
