using System.Diagnostics;
using System.Text.Json;

namespace Lifeboat.Cli.Tests;

/// <summary>kill -9 at any moment of a backup leaves a repository that verifies, with every restore point whole.</summary>
public sealed class CrashTests
{
    [Fact]
    public async Task Kill_9_at_any_moment_of_a_backup_loses_nothing_committed()
    {
        using var t = new TestFolder();
        var repo = t.Combine("repo");
        var disk = t.Combine("disk0.raw");
        TestDisks.Create(disk, 160 << 20, seed: 11);
        LifeboatProcess.Run("repo", "init", repo, "--block-size", "64K").ShouldSucceed();
        var baseline = BackupRestoreStoryTests.RestorePointId(
            LifeboatProcess.Run("backup", "--repo", repo, "--vm", "vm1", "--disk", disk, "--json").ShouldSucceed());
        var baselineHash = TestDisks.Sha256(disk);
        TestDisks.Change(disk, seed: 12, pieces: 4000);
        var changedHash = TestDisks.Sha256(disk);

        var random = new Random(13);
        var killedMidway = 0;
        for (var round = 0; round < 8; round++)
        {
            using var process = Process.Start(LifeboatProcess.StartInfo(null, "backup", "--repo", repo, "--vm", "vm1", "--disk", disk, "--json"))!;
            process.StandardInput.Close();
            await Task.Delay(random.Next(150, 1800));
            if (!process.HasExited)
            {
                process.Kill(); // SIGKILL
                killedMidway++;
            }
            await process.WaitForExitAsync();
        }
        Assert.True(killedMidway > 0, "no backup was still running when it was killed; the disk is too small for this machine");

        using (var verify = JsonDocument.Parse(LifeboatProcess.Run("verify", "--repo", repo, "--json").ShouldSucceed().Stdout))
            Assert.True(verify.RootElement.GetProperty("ok").GetBoolean());

        using var list = JsonDocument.Parse(LifeboatProcess.Run("restore-points", "--repo", repo, "--json").ShouldSucceed().Stdout);
        var ids = list.RootElement.EnumerateArray().Select(e => e.GetProperty("id").GetString()!).ToList();
        Assert.Equal(baseline, ids[0]);
        for (var i = 0; i < ids.Count; i++)
        {
            var files = BackupRestoreStoryTests.RestoredFiles(
                LifeboatProcess.Run("restore", "--repo", repo, "--restore-point", ids[i], "--to", t.Combine($"restore-{i}"), "--json").ShouldSucceed());
            Assert.Equal(i == 0 ? baselineHash : changedHash, TestDisks.Sha256(files[0]));
            Directory.Delete(t.Combine($"restore-{i}"), recursive: true);
        }

        // A backup after the crashes completes, and retention cleans up whatever the killed ones left.
        LifeboatProcess.Run("backup", "--repo", repo, "--vm", "vm1", "--disk", disk).ShouldSucceed();
        LifeboatProcess.Run("retention", "--repo", repo, "--vm", "vm1", "--keep-last", "1").ShouldSucceed();
        LifeboatProcess.Run("verify", "--repo", repo).ShouldSucceed();
    }
}
