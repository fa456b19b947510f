using System.Text.Json;
using Lifeboat.Hypervisors.Qemu.LiveBackup;
using Xunit.Abstractions;

namespace Lifeboat.EndToEnd.Tests;

/// <summary>`lifeboat backup --libvirt`: live backups through libvirt's backup API of a running domain that writes.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class LibvirtBackupTests(LibvirtVm vm, ITestOutputHelper output) : IClassFixture<LibvirtVm>
{
    private const long MiB = 1024 * 1024;
    private const long NoiseBytes = 8 * MiB;

    // The guest appends and syncs a 4 KiB record without end, and each sync also writes ext4's journal: what an
    // incremental reads beyond the test's own writes grows with the records written since the checkpoint it starts
    // from (a loaded machine stretches the time between backups). Measured 9 KiB per record (314 records, 2.75 MiB
    // read beyond 8 MiB written); 16 KiB each bounds it.
    private const long NoisePerRecord = 16 * 1024;

    private long _previousBackupStart;
    private long _lastBackupStart;
    private const int MaxKillAttempts = 3;

    [Fact]
    public async Task Live_backups_through_libvirt_are_incremental_survive_a_kill_9_and_restore_to_a_clean_file_system()
    {
        string repo = vm.Combine("repo");
        string work = vm.Combine("work");
        (await LifeboatCli.RunAsync("repo", "init", repo)).ShouldSucceed();
        var first = await BackUpAsync(repo, work);
        var firstPoint = first.GetProperty("restorePoint");
        Assert.Equal("file-system-consistent", firstPoint.GetProperty("consistency").GetProperty("kind").GetString());
        Assert.Equal(JsonValueKind.Null, firstPoint.GetProperty("disks")[0].GetProperty("changeTracking").GetProperty("baseRestorePointId").ValueKind);
        Assert.Contains("<domain", await RecordedConfigAsync(repo), StringComparison.Ordinal);

        await vm.WriteInGuestAsync("/data/blob", 8);
        var second = await BackUpAsync(repo, work);
        var tracking = second.GetProperty("restorePoint").GetProperty("disks")[0].GetProperty("changeTracking");
        Assert.Equal(first.GetProperty("restorePointId").GetString(), tracking.GetProperty("baseRestorePointId").GetString());
        long read = tracking.GetProperty("bytesRead").GetInt64();
        output.WriteLine($"After 8 MiB written, the incremental read {read / (double)MiB:0.00} MiB");
        Assert.InRange(read, 8 * MiB, (8 * MiB) + Noise());

        // Killed while its NBD export is up: stopped the moment the export's socket appears, and killed there unless it
        // had already committed. One that got that far first (the whole job can take 0.4 s) is a good backup: the next
        // attempt, after more writes, is incremental from it.
        var lastGood = second;
        for (var attempt = 1; ; attempt++)
        {
            await vm.WriteInGuestAsync($"/data/before-kill-{attempt}", 4);
            int points = RestorePointCount(repo);
            using var backup = ExportStoppedBackup.Start(LifeboatCli.StartInfo("backup", "--repo", repo, "--vm", LibvirtVm.Domain, "--libvirt", LibvirtVm.Domain, "--connect", LibvirtVm.Uri, "--work-dir", work, "--json"), work);
            bool stopped = await backup.StoppedAtExportAsync(TimeSpan.FromSeconds(120));
            if (stopped && RestorePointCount(repo) == points)
            {
                await backup.KillAsync();
                var latency = backup.StoppedAfterSocket(Path.Combine(work, LiveBackupWorkFolder.NbdSocketName));
                output.WriteLine($"Attempt {attempt}: its NBD socket appeared {backup.StoppedAfter.TotalMilliseconds:0} ms after it started and it was stopped {latency.TotalMilliseconds:0.0} ms later, with no restore point committed; killed");
                break;
            }

            lastGood = await backup.FinishAsync(TimeSpan.FromSeconds(120));
            output.WriteLine($"Attempt {attempt}: the backup {(stopped ? "had committed when stopped" : "ended before its socket was seen")}; the next attempt is incremental from it");
            Assert.True(attempt < MaxKillAttempts, $"{MaxKillAttempts} backups in a row ended before they could be killed at their NBD export");
        }

        // The NBD export appears inside backup-begin, while the guest is frozen: stopped there, it never thawed it.
        Assert.Contains("Backup", (await LibvirtVm.Virsh("domjobinfo", LibvirtVm.Domain)).ShouldSucceed().Stdout, StringComparison.Ordinal);

        bool leftFrozen = (await LibvirtVm.Virsh("qemu-agent-command", LibvirtVm.Domain, """{"execute":"guest-fsfreeze-status"}""")).ShouldSucceed().Stdout.Contains("frozen", StringComparison.Ordinal);
        output.WriteLine($"The kill left the guest {(leftFrozen ? "frozen" : "thawed")}");

        var (third, log) = await BackUpWithLogAsync(repo, work);
        Assert.Equal(leftFrozen, log.Contains("still frozen by an interrupted backup", StringComparison.Ordinal));
        var afterKill = third.GetProperty("restorePoint").GetProperty("disks")[0].GetProperty("changeTracking");
        Assert.Equal(lastGood.GetProperty("restorePointId").GetString(), afterKill.GetProperty("baseRestorePointId").GetString());
        long readAfterKill = afterKill.GetProperty("bytesRead").GetInt64();
        output.WriteLine($"After 4 MiB written and a kill -9 mid-backup, the next backup read {readAfterKill / (double)MiB:0.00} MiB");
        Assert.InRange(readAfterKill, 4 * MiB, (4 * MiB) + NoiseBytes + Noise());
        await vm.WriteInGuestAsync("/data/after-kill", 1); // thawed: the guest writes again
        Assert.DoesNotContain("Backup", (await LibvirtVm.Virsh("domjobinfo", LibvirtVm.Domain)).ShouldSucceed().Stdout, StringComparison.Ordinal);
        var checkpoints = (await LibvirtVm.Virsh("checkpoint-list", LibvirtVm.Domain, "--name")).ShouldSucceed().Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal([afterKill.GetProperty("bitmap").GetString()!], checkpoints);

        string target = vm.Combine("restored");
        (await LifeboatCli.RunAsync("restore", "--repo", repo, "--restore-point", "latest", "--to", target)).ShouldSucceed();
        string disk = Directory.GetFiles(target).Single();
        (await Tools.RunAsync("e2fsck", "-fn", $"{disk}?offset={vm.Image.RootPartitionOffset}")).ShouldSucceed();
    }

    [Fact]
    public async Task The_checkpoint_chain_survives_another_tools_checkpoints_set_aside_and_a_lost_definition_and_says_why_when_it_breaks()
    {
        const string Vm = "chain"; // its checkpoints are another VM's to the test above, and theirs are foreign here
        string repo = vm.Combine("chain-repo");
        string work = vm.Combine("chain-work");
        string otherXml = vm.Combine("other-tool.xml");
        (await LifeboatCli.RunAsync("repo", "init", repo)).ShouldSucceed();
        var foreign = await CheckpointsAsync();
        try
        {
            var full = await BackUpAsync(repo, work, Vm);
            string first = Tracking(full).GetProperty("bitmap").GetString()!;

            // Another tool on the same domain, as bench/live-backup/run.sh shares it with virtnbdbackup (which refuses
            // foreign checkpoints): ours set aside while it makes its own, its own set aside after, ours redefined.
            string ourXml = vm.Combine("ours.xml");
            await File.WriteAllTextAsync(ourXml, (await LibvirtVm.Virsh("checkpoint-dumpxml", LibvirtVm.Domain, first)).ShouldSucceed().Stdout);
            (await LibvirtVm.Virsh("checkpoint-delete", LibvirtVm.Domain, first, "--metadata")).ShouldSucceed();
            (await LibvirtVm.Virsh("checkpoint-create-as", LibvirtVm.Domain, "other-tool.0")).ShouldSucceed();
            await vm.WriteInGuestAsync("/data/chain-1", 4);
            await File.WriteAllTextAsync(otherXml, (await LibvirtVm.Virsh("checkpoint-dumpxml", LibvirtVm.Domain, "other-tool.0")).ShouldSucceed().Stdout);
            (await LibvirtVm.Virsh("checkpoint-delete", LibvirtVm.Domain, "other-tool.0", "--metadata")).ShouldSucceed();
            (await LibvirtVm.Virsh("checkpoint-create", LibvirtVm.Domain, ourXml, "--redefine")).ShouldSucceed();
            var second = await BackUpAsync(repo, work, Vm);
            AssertIncremental(full, second, 4, "after another tool's checkpoint came and went");

            // Its definition deleted and never given back (or a transient domain restarted): the bitmaps still record.
            string secondCheckpoint = Tracking(second).GetProperty("bitmap").GetString()!;
            (await LibvirtVm.Virsh("checkpoint-delete", LibvirtVm.Domain, secondCheckpoint, "--metadata")).ShouldSucceed();
            await vm.WriteInGuestAsync("/data/chain-2", 2);
            var (third, thirdLog) = await BackUpWithLogAsync(repo, work, Vm);
            AssertIncremental(second, third, 2, "after its checkpoint's definition was deleted");
            Assert.Contains($"libvirt no longer defined checkpoint {secondCheckpoint} of the last backup, but every disk still holds its bitmap", thirdLog, StringComparison.Ordinal);

            // Deleted with its bitmaps: the chain is broken; the backup says so and reads the disk whole.
            string thirdCheckpoint = Tracking(third).GetProperty("bitmap").GetString()!;
            (await LibvirtVm.Virsh("checkpoint-delete", LibvirtVm.Domain, thirdCheckpoint)).ShouldSucceed();
            var (fourth, fourthLog) = await BackUpWithLogAsync(repo, work, Vm);
            string reason = $"its checkpoint {thirdCheckpoint} is gone: libvirt no longer defines it and disk vda no longer holds its bitmap, so something outside Lifeboat deleted it";
            Assert.Equal(reason, Tracking(fourth).GetProperty("fullReadReason").GetString());
            Assert.Equal(JsonValueKind.Null, Tracking(fourth).GetProperty("baseRestorePointId").ValueKind);
            Assert.Contains($"Disk vda: reading it whole because {reason}", fourthLog, StringComparison.Ordinal);
            Assert.Equal([.. foreign.Append(Tracking(fourth).GetProperty("bitmap").GetString()!).Order(StringComparer.Ordinal)], await CheckpointsAsync());
        }
        finally
        {
            foreach (var name in (await CheckpointsAsync()).Where(n => n.StartsWith($"lifeboat-{Vm}-", StringComparison.Ordinal)))
            {
                await LibvirtVm.Virsh("checkpoint-delete", LibvirtVm.Domain, name);
            }

            // The other tool's bitmap outlived its set-aside definition: defined again, then deleted with it.
            if (File.Exists(otherXml) && (await LibvirtVm.Virsh("checkpoint-create", LibvirtVm.Domain, otherXml, "--redefine")).Succeeded)
            {
                await LibvirtVm.Virsh("checkpoint-delete", LibvirtVm.Domain, "other-tool.0");
            }
        }
    }

    private void AssertIncremental(JsonElement previous, JsonElement backup, int writtenMiB, string when)
    {
        var tracking = Tracking(backup);
        Assert.Equal(JsonValueKind.Null, tracking.GetProperty("fullReadReason").ValueKind);
        Assert.Equal(previous.GetProperty("restorePointId").GetString(), tracking.GetProperty("baseRestorePointId").GetString());
        long read = tracking.GetProperty("bytesRead").GetInt64();
        output.WriteLine($"{when}, {writtenMiB} MiB written, the incremental read {read / (double)MiB:0.00} MiB");
        Assert.InRange(read, writtenMiB * MiB, (writtenMiB * MiB) + Noise());
    }

    /// <summary>What the last incremental may read beyond the test's writes: the guest's records since the backup before it began.</summary>
    private long Noise()
    {
        long records = vm.LastRecord - _previousBackupStart;
        output.WriteLine($"The guest wrote {records} records since the backup before the last began: {(NoiseBytes + (records * NoisePerRecord)) / (double)MiB:0.00} MiB of noise allowed");
        return NoiseBytes + (records * NoisePerRecord);
    }

    private static JsonElement Tracking(JsonElement backup) => backup.GetProperty("restorePoint").GetProperty("disks")[0].GetProperty("changeTracking");

    private static async Task<List<string>> CheckpointsAsync() => [.. (await LibvirtVm.Virsh("checkpoint-list", LibvirtVm.Domain, "--name")).ShouldSucceed().Stdout
        .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order(StringComparer.Ordinal)];

    private async Task<JsonElement> BackUpAsync(string repo, string work, string vmName = LibvirtVm.Domain) => (await BackUpWithLogAsync(repo, work, vmName)).Document;

    private async Task<(JsonElement Document, string Log)> BackUpWithLogAsync(string repo, string work, string vmName = LibvirtVm.Domain)
    {
        _previousBackupStart = _lastBackupStart;
        _lastBackupStart = vm.LastRecord;
        var result = (await LifeboatCli.RunAsync("backup", "--repo", repo, "--vm", vmName, "--libvirt", LibvirtVm.Domain, "--connect", LibvirtVm.Uri, "--work-dir", work, "--json")).ShouldSucceed();
        output.WriteLine(result.Stderr);
        using var document = JsonDocument.Parse(result.Stdout);
        return (document.RootElement.Clone(), result.Stderr);
    }

    private static int RestorePointCount(string repo)
    {
        using var repository = Repository.BackupRepository.Open(repo, password: null);
        return repository.ListRestorePoints().Count;
    }

    private static Task<string> RecordedConfigAsync(string repo)
    {
        using var repository = Repository.BackupRepository.Open(repo, password: null);
        return Task.FromResult(repository.GetRestorePoint("latest").VmConfig!.Text);
    }
}
