using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Lifeboat.Hypervisors.Qemu;
using Lifeboat.Hypervisors.Qemu.LiveBackup;
using Xunit.Abstractions;

namespace Lifeboat.Hypervisors.Tests;

/// <summary>
/// Points in time of a running guest that keeps writing, read with libnbd's nbdcopy and nbdinfo: each must equal the
/// disk as it was when the VM was paused at that instant, and the exported bitmap must mark what changed since the
/// last one.
/// </summary>
[Collection(GuestCollection.Name)]
public sealed class LiveBackupTests(RecordingGuest guest, ITestOutputHelper output) : IClassFixture<RecordingGuest>
{
    private const long MiB = 1024 * 1024;
    private const string Vm = "live-guest";

    /// <summary>What the guest's own records, its journal and metadata add to a write of N MiB between two backups.</summary>
    private const long NoiseBytes = 6 * MiB;

    [Fact]
    public async Task Each_point_in_time_equals_the_paused_disk_and_the_second_reads_only_what_changed()
    {
        var qmp = guest.Vm.Qmp;
        string work = guest.Combine("work1");
        await using var first = await StartWithReferenceAsync(Options(work), guest.Combine("ref1.raw"));
        var disk = Assert.Single(first.Disks);
        Assert.Null(disk.ChangedBitmap);
        Assert.Contains("no earlier restore point", disk.FullReadReason, StringComparison.Ordinal);
        Assert.Equal(ConsistencyKinds.FileSystem, first.Consistency);
        Assert.InRange(first.FrozenMilliseconds!.Value, 0.1, 60_000);
        output.WriteLine($"Frozen for {first.FrozenMilliseconds:0.0} ms (including the paused reference copy)");

        var hardware = JsonNode.Parse(first.HardwareJson)!;
        Assert.Equal(1, hardware["cpus"]!.GetValue<int>());
        Assert.Equal(guest.Image.MemoryMiB, hardware["memoryMiB"]!.GetValue<int>());
        Assert.Equal("virtio", hardware["diskBuses"]![0]!.GetValue<string>());
        Assert.True(hardware["guestAgent"]!.GetValue<bool>());
        Assert.Equal("none", hardware["nicModel"]!.GetValue<string>());

        // The guest keeps writing while the view is read: the view must not move.
        await guest.WaitForMoreRecordsAsync(5);
        await AssertExportEqualsAsync(first, disk, guest.Combine("ref1.raw"));
        await first.CompleteAsync();
        Assert.Equal([disk.TrackingBitmap], await BitmapsAsync(qmp, disk.NodeName));
        await AssertNothingLeftAsync(qmp);

        await guest.WriteInGuestAsync("/data/blob", 8);
        var options = Options(work) with { TrackedBitmaps = new Dictionary<string, string> { [disk.Name] = disk.TrackingBitmap } };
        await using var second = await StartWithReferenceAsync(options, guest.Combine("ref2.raw"));
        var changed = Assert.Single(second.Disks);
        Assert.Equal(disk.TrackingBitmap, changed.ChangedBitmap);
        long dirty = await DirtyBytesAsync(second, changed);
        output.WriteLine($"After the guest wrote 8 MiB the bitmap marks {dirty / (double)MiB:0.00} MiB of {changed.Size / MiB} MiB");
        Assert.InRange(dirty, 8 * MiB, (8 * MiB) + NoiseBytes);
        await guest.WaitForMoreRecordsAsync(5);
        await AssertExportEqualsAsync(second, changed, guest.Combine("ref2.raw"));
        await second.CompleteAsync();
        Assert.Equal([changed.TrackingBitmap], await BitmapsAsync(qmp, changed.NodeName));
        await AssertNothingLeftAsync(qmp);
    }

    [Fact]
    public async Task A_killed_backup_is_cleaned_up_by_the_next_which_still_sees_every_change_and_without_an_agent_is_crash_consistent()
    {
        var qmp = guest.Vm.Qmp;
        string work = guest.Combine("work2");
        var baseline = await QemuPointInTime.StartAsync(qmp, Options(work));
        var disk = baseline.Disks[0];
        await baseline.CompleteAsync();
        var tracked = new Dictionary<string, string> { [disk.Name] = disk.TrackingBitmap };

        await guest.WriteInGuestAsync("/data/before-kill", 4);
        var killed = await QemuPointInTime.StartAsync(qmp, Options(work) with { TrackedBitmaps = tracked });
        killed.Abandon();
        await guest.WriteInGuestAsync("/data/after-kill", 4);

        await using var next = await QemuPointInTime.StartAsync(qmp, Options(work) with { TrackedBitmaps = tracked, DiscoverGuestAgent = false });
        var changed = next.Disks[0];
        Assert.Equal(disk.TrackingBitmap, changed.ChangedBitmap);
        long dirty = await DirtyBytesAsync(next, changed);
        output.WriteLine($"After 4 MiB written before and 4 MiB after the killed backup the bitmap marks {dirty / (double)MiB:0.00} MiB");
        Assert.InRange(dirty, 8 * MiB, (8 * MiB) + (2 * NoiseBytes));
        Assert.Equal(ConsistencyKinds.Crash, next.Consistency);
        Assert.Null(next.FrozenMilliseconds);
        Assert.Contains("no guest agent", next.CrashConsistentReason, StringComparison.Ordinal);
        // One fleecing node, one export: the killed backup's were removed.
        Assert.Single(await NamesAsync(qmp, "query-block-exports", "id"));
        await next.CompleteAsync();
        Assert.Equal([changed.TrackingBitmap], await BitmapsAsync(qmp, changed.NodeName));
        await AssertNothingLeftAsync(qmp);
    }

    [Fact]
    public async Task A_deleted_bitmap_means_a_full_read_and_a_failed_backup_merges_its_bitmap_back()
    {
        var qmp = guest.Vm.Qmp;
        string work = guest.Combine("work3");
        var baseline = await QemuPointInTime.StartAsync(qmp, Options(work));
        var disk = baseline.Disks[0];
        await baseline.CompleteAsync();
        var tracked = new Dictionary<string, string> { [disk.Name] = disk.TrackingBitmap };

        var failed = await QemuPointInTime.StartAsync(qmp, Options(work) with { TrackedBitmaps = tracked });
        Assert.Equal(disk.TrackingBitmap, failed.Disks[0].ChangedBitmap);
        await failed.AbortAsync();
        Assert.Equal([disk.TrackingBitmap], await BitmapsAsync(qmp, disk.NodeName));
        await AssertNothingLeftAsync(qmp);

        await qmp.ExecuteAsync("block-dirty-bitmap-remove", new JsonObject { ["node"] = disk.NodeName, ["name"] = disk.TrackingBitmap });
        // As a backup killed between freeze and thaw leaves the guest: the next one thaws it.
        Assert.Equal("frozen", (await AgentAsync("guest-fsfreeze-freeze", "guest-fsfreeze-status"))?.GetValue<string>());
        await using var full = await QemuPointInTime.StartAsync(qmp, Options(work) with { TrackedBitmaps = tracked });
        Assert.Equal("thawed", (await AgentAsync("guest-fsfreeze-status"))?.GetValue<string>());
        Assert.Null(full.Disks[0].ChangedBitmap);
        Assert.Contains($"bitmap {disk.TrackingBitmap} is gone", full.Disks[0].FullReadReason, StringComparison.Ordinal);
        await full.AbortAsync();
        Assert.Empty(await BitmapsAsync(qmp, disk.NodeName));
    }

    /// <summary>Runs agent commands in order and returns the last one's answer.</summary>
    private async Task<JsonNode?> AgentAsync(params string[] commands)
    {
        await using var agent = await Qemu.GuestAgent.QemuGuestAgentClient.ConnectAsync(guest.Vm.Paths.GuestAgentSocket);
        JsonNode? answer = null;
        foreach (var command in commands)
        {
            answer = await agent.ExecuteAsync(command, null, TimeSpan.FromSeconds(30));
        }

        return answer;
    }

    private static QemuLiveBackupOptions Options(string work) => new() { Vm = Vm, WorkDirectory = work };

    /// <summary>Starts a point in time with the VM paused around the transaction, and copies the paused disk as the reference.</summary>
    private async Task<QemuPointInTime> StartWithReferenceAsync(QemuLiveBackupOptions options, string reference)
    {
        var qmp = guest.Vm.Qmp;
        return await QemuPointInTime.StartAsync(qmp, options with
        {
            BeforePointInTime = async ct => await qmp.ExecuteAsync("stop", cancellationToken: ct),
            AfterPointInTime = async ct =>
            {
                // Stopping drains and flushes the disks, so the image file is consistent while the VM stays paused.
                await Tools.RunOkAsync("qemu-img", "convert", "-U", "-f", "qcow2", "-O", "raw", guest.Overlay, reference);
                await qmp.ExecuteAsync("cont", cancellationToken: ct);
            },
        });
    }

    private async Task AssertExportEqualsAsync(QemuPointInTime pointInTime, LiveBackupDisk disk, string reference)
    {
        string copy = reference + ".export";
        var clock = Stopwatch.StartNew();
        await Tools.RunOkAsync("nbdcopy", Uri(pointInTime, disk), copy);
        output.WriteLine($"nbdcopy of the export took {clock.Elapsed.TotalSeconds:0.00} s");
        Assert.Equal(disk.Size, new FileInfo(copy).Length);
        AssertSameContent(reference, copy);
        File.Delete(copy);
        File.Delete(reference);
    }

    private static void AssertSameContent(string expected, string actual)
    {
        using var a = File.OpenRead(expected);
        using var b = File.OpenRead(actual);
        Assert.Equal(a.Length, b.Length);
        var bufferA = new byte[MiB];
        var bufferB = new byte[MiB];
        for (long offset = 0; offset < a.Length; offset += MiB)
        {
            a.ReadExactly(bufferA);
            b.ReadExactly(bufferB);
            Assert.True(bufferA.AsSpan().SequenceEqual(bufferB), $"The export differs from the paused disk in the MiB at {offset}.");
        }
    }

    private static string Uri(QemuPointInTime pointInTime, LiveBackupDisk disk) =>
        $"nbd+unix:///{disk.ExportName}?socket={pointInTime.NbdSocketPath}";

    /// <summary>Sums what nbdinfo's map of the bitmap's meta context marks dirty (flag 1).</summary>
    private static async Task<long> DirtyBytesAsync(QemuPointInTime pointInTime, LiveBackupDisk disk)
    {
        var map = (await Tools.RunOkAsync("nbdinfo", "--map=" + disk.ChangedMetaContext, Uri(pointInTime, disk))).Stdout;
        long dirty = 0;
        foreach (var line in map.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 3 && fields[2] == "1")
            {
                dirty += long.Parse(fields[1], CultureInfo.InvariantCulture);
            }
        }

        return dirty;
    }

    private static async Task<List<string>> BitmapsAsync(QmpClient qmp, string node)
    {
        var disks = QemuBlockDisk.Parse(await qmp.ExecuteAsync("query-block"), 16);
        return [.. disks.Single(d => d.NodeName == node).Bitmaps.Select(b => b.Name).Where(n => DirtyBitmapName.IsOf(n, Vm))];
    }

    private static async Task<List<string>> NamesAsync(QmpClient qmp, string query, string field, JsonObject? arguments = null)
    {
        var answer = await qmp.ExecuteAsync(query, arguments);
        return [.. (answer as JsonArray ?? []).Select(item => item?[field]?.GetValue<string>()).OfType<string>()];
    }

    private static async Task AssertNothingLeftAsync(QmpClient qmp)
    {
        Assert.Empty(await NamesAsync(qmp, "query-block-exports", "id"));
        Assert.Empty(await NamesAsync(qmp, "query-block-jobs", "device"));
        Assert.DoesNotContain(await NamesAsync(qmp, "query-named-block-nodes", "node-name", new JsonObject { ["flat"] = true }), n => n.StartsWith("lifeboat-", StringComparison.Ordinal));
    }
}
