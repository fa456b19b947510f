using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lifeboat.LiveBackup;
using Lifeboat.Hypervisors.Qemu;
using Lifeboat.Hypervisors.Qemu.LiveBackup;
using Lifeboat.Repository;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Lifeboat.EndToEnd.Tests;

/// <summary>
/// Live backups of the running test guest while it writes records: restore points equal the disks as they were with
/// the VM paused at the point in time, incrementals read about what changed, and a killed backup, a lost bitmap or a
/// guest without an agent still give complete restore points, saying why.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class LiveBackupTests(LiveVm vm, ITestOutputHelper output) : IClassFixture<LiveVm>
{
    private const long MiB = 1024 * 1024;
    private const string RecordPrefix = "LIFEBOAT-RECORD ";

    /// <summary>What the guest's own records, its journal and metadata add to a write of N MiB between two backups.</summary>
    private const long NoiseBytes = 8 * MiB;

    [Fact]
    public async Task Two_live_backups_of_a_writing_guest_restore_bit_exact_to_the_paused_disks_and_the_incremental_reads_what_changed()
    {
        string repo = vm.Combine("repo-exact");
        (await LifeboatCli.RunAsync("repo", "init", repo)).ShouldSucceed();
        using var repository = BackupRepository.Open(repo, password: null);
        await using var qmp = await vm.ConnectQmpAsync();

        var full = await BackUpWithReferenceAsync(repository, qmp, "ref1");
        long recordsAtFull = vm.LastRecord;
        Assert.Equal(BackupConsistency.FileSystemConsistent, full.Consistency!.Kind);
        Assert.All(full.Disks, d => Assert.Null(d.ChangeTracking!.BaseRestorePointId));
        long fullRead = full.Disks.Sum(d => d.ChangeTracking!.BytesRead);
        Assert.True(full.Disks[1].ChangeTracking!.BytesRead == LiveVm.DataDiskBytes, "the data disk is all data and read whole");
        await AssertRestoresToReferenceAsync(repository, full, "ref1");

        // What QEMU reported is what an instant recovery defines the VM from.
        var recorded = RecordedVm.Describe(LiveVm.Name, full.VmConfig!.Hardware, ["boot.raw", "data.raw"]);
        Assert.Equal(1, recorded.Cpus);
        Assert.Equal(vm.Image.MemoryMiB, recorded.MemoryMiB);
        Assert.All(recorded.Disks, d => Assert.Equal(QemuDiskBus.Virtio, d.Bus));
        Assert.True(recorded.GuestAgent);
        Assert.Equal(QemuNicModel.None, recorded.Nic);
        Assert.Equal(QemuFirmware.Bios, recorded.Firmware);

        await vm.WriteInGuestAsync("/data/blob", 8);
        var incremental = await BackUpWithReferenceAsync(repository, qmp, "ref2");
        Assert.Equal(full.Id, incremental.ParentId);
        Assert.All(incremental.Disks, d => Assert.Equal(full.Id, d.ChangeTracking!.BaseRestorePointId));
        long bootRead = incremental.Disks[0].ChangeTracking!.BytesRead;
        // The guest appends a synced record many times a second: what it wrote between the backups grows with the
        // time between them (a fresh-clone run at load read 17 MiB), on top of the journal and metadata's noise.
        long recordBytes = (vm.LastRecord - recordsAtFull) * LiveVm.RecordBytes;
        Assert.InRange(bootRead, 8 * MiB, (8 * MiB) + NoiseBytes + recordBytes);
        Assert.Equal(0, incremental.Disks[1].ChangeTracking!.BytesRead);
        await AssertRestoresToReferenceAsync(repository, incremental, "ref2");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Full: read {fullRead / (double)MiB:0.0} MiB, frozen {full.Consistency.FrozenMilliseconds:0} ms (with the paused reference copy). " +
            $"Incremental after 8 MiB written: read {bootRead / (double)MiB:0.00} MiB of the boot disk, 0 of the data disk; frozen {incremental.Consistency!.FrozenMilliseconds:0} ms."));
    }

    [Fact]
    public async Task The_cli_backs_up_live_and_after_a_kill_9_cleans_up_and_keeps_every_change_and_a_lost_bitmap_means_a_full_read()
    {
        string repo = vm.Combine("repo-cli");
        string work = vm.Combine("work-cli");
        (await LifeboatCli.RunAsync("repo", "init", repo)).ShouldSucceed();
        long before = vm.LastRecord;
        var first = await BackUpAsync(repo, work);
        long after = vm.LastRecord;
        Assert.Equal("file-system-consistent", first.GetProperty("restorePoint").GetProperty("consistency").GetProperty("kind").GetString());
        await AssertRecordsAsync(repo, first.GetProperty("restorePointId").GetString()!, before, after);

        // kill -9 in the middle of reading: after the point in time started and a first pack was written.
        await vm.WriteInGuestAsync("/data/before-kill", 4);
        var killed = Process.Start(LifeboatCli.StartInfo("backup", "--repo", repo, "--vm", LiveVm.Name, "--qmp", vm.Paths.QmpSocket, "--work-dir", work))!;
        // Read as it comes, so a full pipe never holds the backup up, and kept to say what it did if the wait fails.
        var killedOutput = new System.Collections.Concurrent.ConcurrentQueue<string>();
        killed.OutputDataReceived += (_, e) => { if (e.Data is not null) killedOutput.Enqueue(e.Data); };
        killed.ErrorDataReceived += (_, e) => { if (e.Data is not null) killedOutput.Enqueue(e.Data); };
        killed.BeginOutputReadLine();
        killed.BeginErrorReadLine();
        int packs = Directory.GetFiles(Path.Combine(repo, "packs"), "*", SearchOption.AllDirectories).Length;
        await PollAsync(() =>
        {
            Assert.False(killed.HasExited, $"The backup to be killed ended by itself (exit {(killed.HasExited ? killed.ExitCode : 0)}) before it was seen reading: {string.Join('\n', killedOutput)}");
            return File.Exists(Path.Combine(work, LiveBackupWorkFolder.NbdSocketName))
                && Directory.GetFiles(Path.Combine(repo, "packs"), "*", SearchOption.AllDirectories).Length > packs;
        }, "the killed backup to start reading");
        killed.Kill();
        await killed.WaitForExitAsync();
        await using (var qmp = await vm.ConnectQmpAsync())
        {
            var status = await qmp.ExecuteAsync("query-status");
            Assert.Equal("running", status!["status"]!.GetValue<string>());
            Assert.NotEmpty(await qmp.ExecuteAsync("query-block-exports") as JsonArray ?? []);
        }

        await vm.WriteInGuestAsync("/data/after-kill", 4);
        var (next, log) = await BackUpWithLogAsync(repo, work, "--no-guest-agent");
        Assert.Contains("interrupted live backup left in QEMU", log, StringComparison.Ordinal);
        Assert.Contains("merged bitmap(s)", log, StringComparison.Ordinal);
        var point = next.GetProperty("restorePoint");
        Assert.Equal(2, Listed(repo).Count);
        Assert.Equal("crash-consistent", point.GetProperty("consistency").GetProperty("kind").GetString());
        Assert.Contains("no guest agent", point.GetProperty("consistency").GetProperty("reason").GetString(), StringComparison.Ordinal);
        var boot = point.GetProperty("disks")[0].GetProperty("changeTracking");
        Assert.Equal(first.GetProperty("restorePointId").GetString(), boot.GetProperty("baseRestorePointId").GetString());
        Assert.InRange(boot.GetProperty("bytesRead").GetInt64(), 8 * MiB, (8 * MiB) + (2 * NoiseBytes));
        output.WriteLine($"After a kill -9 mid-backup and 8 MiB written, the next backup read {boot.GetProperty("bytesRead").GetInt64() / (double)MiB:0.00} MiB of the boot disk");

        await using (var qmp = await vm.ConnectQmpAsync())
        {
            Assert.Empty(await qmp.ExecuteAsync("query-block-exports") as JsonArray ?? []);
            var bitmap = boot.GetProperty("bitmap").GetString()!;
            await qmp.ExecuteAsync("block-dirty-bitmap-remove", new JsonObject { ["node"] = "disk0", ["name"] = bitmap });
        }

        var (afterDelete, deleteLog) = await BackUpWithLogAsync(repo, work);
        var reread = afterDelete.GetProperty("restorePoint").GetProperty("disks")[0].GetProperty("changeTracking");
        Assert.Contains("is gone", reread.GetProperty("fullReadReason").GetString(), StringComparison.Ordinal);
        Assert.Contains("reading it whole because its dirty bitmap", deleteLog, StringComparison.Ordinal);
        Assert.True(afterDelete.GetProperty("restorePoint").GetProperty("disks")[1].GetProperty("changeTracking").GetProperty("baseRestorePointId").ValueKind == JsonValueKind.String);

        // A restarted QEMU: the qcow2 disk's persistent bitmap survives a clean quit, the raw disk's does not.
        await vm.RestartAsync();
        var (restarted, restartLog) = await BackUpWithLogAsync(repo, work);
        var disks = restarted.GetProperty("restorePoint").GetProperty("disks");
        Assert.Equal(JsonValueKind.String, disks[0].GetProperty("changeTracking").GetProperty("baseRestorePointId").ValueKind);
        Assert.Contains("restarted", disks[1].GetProperty("changeTracking").GetProperty("fullReadReason").GetString(), StringComparison.Ordinal);
        Assert.Contains("restarted since the last backup", restartLog, StringComparison.Ordinal);

        var listed = Listed(repo);
        Assert.Equal(4, listed.Count);
        Assert.All(listed, p => Assert.True(p.TryGetProperty("consistency", out _)));
    }

    private async Task<RestorePointInfo> BackUpWithReferenceAsync(BackupRepository repository, QmpClient qmp, string reference)
    {
        var options = new QemuLiveBackupOptions
        {
            Vm = LiveVm.Name,
            WorkDirectory = vm.Combine("work-exact"),
            BeforePointInTime = async ct => await qmp.ExecuteAsync("stop", cancellationToken: ct),
            AfterPointInTime = async ct =>
            {
                // Stopping drains and flushes the disks, so the image files are consistent while the VM stays paused.
                (await Tools.RunAsync("qemu-img", "convert", "-U", "-f", "qcow2", "-O", "raw", vm.Overlay, vm.Combine(reference + "-0.raw"))).ShouldSucceed();
                File.Copy(vm.DataDisk, vm.Combine(reference + "-1.raw"), overwrite: true);
                await qmp.ExecuteAsync("cont", cancellationToken: ct);
            },
        };
        // The guest goes on writing while the backup reads; the restore point must not see any of it.
        var backup = LiveQemuBackup.RunAsync(repository, qmp, options, null, NullLoggerFactory.Instance, CancellationToken.None);
        return await backup;
    }

    private async Task AssertRestoresToReferenceAsync(BackupRepository repository, RestorePointInfo restorePoint, string reference)
    {
        var restored = await repository.RestoreAsync(restorePoint.Id, vm.Combine(reference + "-restored"), new RestoreOptions(false));
        for (int d = 0; d < restored.Files.Count; d++)
        {
            string expected = vm.Combine($"{reference}-{d}.raw");
            Assert.True(GuestImage.Sha256Of(expected) == GuestImage.Sha256Of(restored.Files[d]), $"disk {d} of {restorePoint.Id} differs from the paused VM's");
            File.Delete(expected);
            File.Delete(restored.Files[d]);
        }
    }

    private async Task<JsonElement> BackUpAsync(string repo, string work, params string[] extra) => (await BackUpWithLogAsync(repo, work, extra)).Document;

    private async Task<(JsonElement Document, string Log)> BackUpWithLogAsync(string repo, string work, params string[] extra)
    {
        var clock = Stopwatch.StartNew();
        var result = (await LifeboatCli.RunAsync(["backup", "--repo", repo, "--vm", LiveVm.Name, "--qmp", vm.Paths.QmpSocket, "--work-dir", work, "--json", .. extra])).ShouldSucceed();
        output.WriteLine($"lifeboat backup --qmp took {clock.Elapsed.TotalSeconds:0.0} s; its log:{Environment.NewLine}{result.Stderr}");
        using var document = JsonDocument.Parse(result.Stdout);
        return (document.RootElement.Clone(), result.Stderr);
    }

    private static List<JsonElement> Listed(string repo)
    {
        var result = LifeboatCli.RunAsync("restore-points", "--repo", repo, "--json").GetAwaiter().GetResult().ShouldSucceed();
        using var document = JsonDocument.Parse(result.Stdout);
        return [.. document.RootElement.Clone().EnumerateArray()];
    }

    /// <summary>
    /// The restored boot disk's ext4 passes e2fsck, and /data/records holds records 1 to k, whole and in order, with k
    /// between the last record synced before the backup began and the last one synced when it ended.
    /// </summary>
    private async Task AssertRecordsAsync(string repo, string restorePointId, long before, long after)
    {
        string target = vm.Combine("restored-" + restorePointId);
        (await LifeboatCli.RunAsync("restore", "--repo", repo, "--restore-point", restorePointId, "--to", target)).ShouldSucceed();
        string disk = Directory.GetFiles(target).Order(StringComparer.Ordinal).First();
        string partition = $"{disk}?offset={vm.Image.RootPartitionOffset}";
        (await Tools.RunAsync("e2fsck", "-fn", partition)).ShouldSucceed();
        string records = vm.Combine("records-" + restorePointId);
        (await Tools.RunAsync("debugfs", "-R", $"dump /data/records {records}", partition)).ShouldSucceed();
        var bytes = await File.ReadAllBytesAsync(records);
        long count = bytes.Length / LiveVm.RecordBytes;
        // busybox's printf writes a 4 KiB record in pieces: the point in time may fall between two of them, and then the
        // file holds, after the whole records, the start of the next one (not yet synced). Nothing else may be there.
        int partial = bytes.Length % LiveVm.RecordBytes;
        if (partial > 0)
        {
            var next = RecordPrefix + (count + 1).ToString("D16", CultureInfo.InvariantCulture);
            var start = Encoding.ASCII.GetString(bytes, (int)(count * LiveVm.RecordBytes), Math.Min(partial, next.Length));
            Assert.Equal(next[..start.Length], start);
            output.WriteLine($"Restore point {restorePointId} ends with the first {partial} bytes of record {count + 1}");
        }

        for (long n = 1; n <= count; n++)
        {
            var record = Encoding.ASCII.GetString(bytes, (int)((n - 1) * LiveVm.RecordBytes), RecordPrefix.Length + 16);
            Assert.Equal(RecordPrefix + n.ToString("D16", CultureInfo.InvariantCulture), record);
        }

        output.WriteLine($"Restore point {restorePointId} holds records 1 to {count}; the guest had synced {before} before the backup and {after} after it");
        Assert.InRange(count, before, after);
        Directory.Delete(target, recursive: true);
        File.Delete(records);
    }

    private static async Task PollAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {what}.");
            await Task.Delay(10);
        }
    }
}
