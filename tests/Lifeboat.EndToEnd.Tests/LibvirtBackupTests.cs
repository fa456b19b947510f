using System.Diagnostics;
using System.Text.Json;
using Xunit.Abstractions;

namespace Lifeboat.EndToEnd.Tests;

/// <summary>`lifeboat backup --libvirt`: live backups through libvirt's backup API of a running domain that writes.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class LibvirtBackupTests(LibvirtVm vm, ITestOutputHelper output) : IClassFixture<LibvirtVm>
{
    private const long MiB = 1024 * 1024;
    private const long NoiseBytes = 8 * MiB;

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
        Assert.InRange(read, 8 * MiB, (8 * MiB) + NoiseBytes);

        await vm.WriteInGuestAsync("/data/before-kill", 4);
        var killed = Process.Start(LifeboatCli.StartInfo("backup", "--repo", repo, "--vm", LibvirtVm.Domain, "--libvirt", LibvirtVm.Domain, "--connect", LibvirtVm.Uri, "--work-dir", work))!;
        // Its output is read as it comes (a full pipe would stop it) and shown if it never gets as far as its export.
        var killedOutput = new System.Text.StringBuilder();
        killed.OutputDataReceived += (_, e) => { lock (killedOutput) killedOutput.AppendLine(e.Data); };
        killed.ErrorDataReceived += (_, e) => { lock (killedOutput) killedOutput.AppendLine(e.Data); };
        killed.BeginOutputReadLine();
        killed.BeginErrorReadLine();
        string KilledOutput() { lock (killedOutput) return killedOutput.ToString(); }
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (!File.Exists(Path.Combine(work, "nbd.sock")))
        {
            Assert.False(killed.HasExited, $"the backup to be killed exited before it started its NBD export:{Environment.NewLine}{KilledOutput()}");
            Assert.True(DateTime.UtcNow < deadline, $"the backup to be killed did not start its NBD export in 120 s:{Environment.NewLine}{KilledOutput()}");
            await Task.Delay(10);
        }

        // The NBD export appears inside backup-begin, while the guest is frozen: this kill often leaves it frozen.
        killed.Kill();
        await killed.WaitForExitAsync();
        Assert.Contains("Backup", (await LibvirtVm.Virsh("domjobinfo", LibvirtVm.Domain)).ShouldSucceed().Stdout, StringComparison.Ordinal);

        bool leftFrozen = (await LibvirtVm.Virsh("qemu-agent-command", LibvirtVm.Domain, """{"execute":"guest-fsfreeze-status"}""")).ShouldSucceed().Stdout.Contains("frozen", StringComparison.Ordinal);
        output.WriteLine($"The kill left the guest {(leftFrozen ? "frozen" : "thawed")}");

        var (third, log) = await BackUpWithLogAsync(repo, work);
        Assert.Equal(leftFrozen, log.Contains("still frozen by an interrupted backup", StringComparison.Ordinal));
        var afterKill = third.GetProperty("restorePoint").GetProperty("disks")[0].GetProperty("changeTracking");
        Assert.Equal(second.GetProperty("restorePointId").GetString(), afterKill.GetProperty("baseRestorePointId").GetString());
        long readAfterKill = afterKill.GetProperty("bytesRead").GetInt64();
        output.WriteLine($"After 4 MiB written and a kill -9 mid-backup, the next backup read {readAfterKill / (double)MiB:0.00} MiB");
        Assert.InRange(readAfterKill, 4 * MiB, (4 * MiB) + (2 * NoiseBytes));
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

    private async Task<JsonElement> BackUpAsync(string repo, string work) => (await BackUpWithLogAsync(repo, work)).Document;

    private async Task<(JsonElement Document, string Log)> BackUpWithLogAsync(string repo, string work)
    {
        var result = (await LifeboatCli.RunAsync("backup", "--repo", repo, "--vm", LibvirtVm.Domain, "--libvirt", LibvirtVm.Domain, "--connect", LibvirtVm.Uri, "--work-dir", work, "--json")).ShouldSucceed();
        output.WriteLine(result.Stderr);
        using var document = JsonDocument.Parse(result.Stdout);
        return (document.RootElement.Clone(), result.Stderr);
    }

    private static Task<string> RecordedConfigAsync(string repo)
    {
        using var repository = Repository.BackupRepository.Open(repo, password: null);
        return Task.FromResult(repository.GetRestorePoint("latest").VmConfig!.Text);
    }
}
