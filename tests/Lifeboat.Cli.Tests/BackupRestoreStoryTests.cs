using System.Text.Json;

namespace Lifeboat.Cli.Tests;

/// <summary>The verbs as a user runs them: init, two backups with a change between, list, verify, restore.</summary>
public sealed class BackupRestoreStoryTests
{
    [Fact]
    public void Two_backups_list_verify_and_restore_bit_exact()
    {
        using var t = new TestFolder();
        var repo = t.Combine("repo");
        var disk0 = t.Combine("disk0.raw");
        var disk1 = t.Combine("data.raw");
        TestDisks.Create(disk0, 24 << 20, seed: 1);
        TestDisks.Create(disk1, (8 << 20) + 12345, seed: 2);
        File.WriteAllText(t.Combine("vm.json"), """{"cpus":2,"memoryMiB":512,"diskBus":"virtio","nicModel":"virtio-net","firmware":"bios"}""");

        using (var init = JsonDocument.Parse(LifeboatProcess.Run("repo", "init", repo, "--json").ShouldSucceed().Stdout))
            Assert.False(init.RootElement.GetProperty("encrypted").GetBoolean());

        var first = RestorePointId(LifeboatProcess.Run("backup", "--repo", repo, "--vm", "vm1", "--disk", disk0, "--disk", disk1,
            "--vm-config", t.Combine("vm.json"), "--json").ShouldSucceed());
        var firstHashes = new[] { TestDisks.Sha256(disk0), TestDisks.Sha256(disk1) };

        TestDisks.Change(disk0, seed: 3, pieces: 10);
        var second = RestorePointId(LifeboatProcess.Run("backup", "--repo", repo, "--vm", "vm1", "--disk", disk0, "--disk", disk1, "--json").ShouldSucceed());
        Assert.NotEqual(first, second);

        using (var list = JsonDocument.Parse(LifeboatProcess.Run("restore-points", "--repo", repo, "--json").ShouldSucceed().Stdout))
        {
            var points = list.RootElement.EnumerateArray().ToList();
            Assert.Equal(2, points.Count);
            Assert.Equal(first, points[0].GetProperty("id").GetString());
            Assert.Equal(second, points[1].GetProperty("id").GetString());
            Assert.Equal("vm1", points[1].GetProperty("vm").GetString());
            Assert.Equal(first, points[1].GetProperty("parentId").GetString());
            Assert.Equal(2, points[1].GetProperty("disks").GetArrayLength());
            Assert.True(points[1].TryGetProperty("time", out _));
            var storedFirst = points[0].GetProperty("storedBytes").GetInt64();
            var storedSecond = points[1].GetProperty("storedBytes").GetInt64();
            Assert.True(storedFirst > 0);
            Assert.True(storedSecond < storedFirst / 4, $"the second backup stored {storedSecond} bytes, the first {storedFirst}");
        }

        var table = LifeboatProcess.Run("restore-points", "--repo", repo, "--vm", "vm1").ShouldSucceed().Stdout;
        Assert.Contains(second, table, StringComparison.Ordinal);

        using (var verify = JsonDocument.Parse(LifeboatProcess.Run("verify", "--repo", repo, "--json").ShouldSucceed().Stdout))
        {
            Assert.True(verify.RootElement.GetProperty("ok").GetBoolean());
            Assert.True(verify.RootElement.GetProperty("chunksChecked").GetInt64() > 0);
        }

        var restoredFirst = RestoredFiles(LifeboatProcess.Run("restore", "--repo", repo, "--restore-point", first, "--to", t.Combine("r1"), "--json").ShouldSucceed());
        Assert.Equal(firstHashes, restoredFirst.Select(TestDisks.Sha256));
        var restoredLatest = RestoredFiles(LifeboatProcess.Run("restore", "--repo", repo, "--restore-point", "latest", "--vm", "vm1", "--to", t.Combine("r2"), "--json").ShouldSucceed());
        Assert.Equal([TestDisks.Sha256(disk0), TestDisks.Sha256(disk1)], restoredLatest.Select(TestDisks.Sha256));
        Assert.Equal(new FileInfo(disk1).Length, new FileInfo(restoredLatest[1]).Length);
    }

    [Fact]
    public void Retention_keeps_the_newest_and_frees_the_rest()
    {
        using var t = new TestFolder();
        var repo = t.Combine("repo");
        var disk = t.Combine("disk0.raw");
        TestDisks.Create(disk, 8 << 20, seed: 5);
        LifeboatProcess.Run("repo", "init", repo).ShouldSucceed();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            TestDisks.Change(disk, seed: 10 + i, pieces: 200);
            ids.Add(RestorePointId(LifeboatProcess.Run("backup", "--repo", repo, "--vm", "vm1", "--disk", disk, "--json").ShouldSucceed()));
        }
        var latestHash = TestDisks.Sha256(disk);
        using (var retention = JsonDocument.Parse(LifeboatProcess.Run("retention", "--repo", repo, "--vm", "vm1", "--keep-last", "1", "--json").ShouldSucceed().Stdout))
        {
            var removed = retention.RootElement.GetProperty("removedRestorePoints").EnumerateArray().Select(e => e.GetString()).ToList();
            Assert.Equal(ids.Take(2), removed);
            Assert.True(retention.RootElement.GetProperty("bytesFreed").GetInt64() > 0);
        }
        using (var list = JsonDocument.Parse(LifeboatProcess.Run("restore-points", "--repo", repo, "--json").ShouldSucceed().Stdout))
            Assert.Equal([ids[2]], list.RootElement.EnumerateArray().Select(e => e.GetProperty("id").GetString()));
        LifeboatProcess.Run("verify", "--repo", repo).ShouldSucceed();
        var restored = RestoredFiles(LifeboatProcess.Run("restore", "--repo", repo, "--restore-point", ids[2], "--to", t.Combine("r"), "--json").ShouldSucceed());
        Assert.Equal(latestHash, TestDisks.Sha256(restored[0]));
    }

    [Fact]
    public void Encrypted_repository_round_trips_with_the_password()
    {
        using var t = new TestFolder();
        var env = new Dictionary<string, string> { ["LIFEBOAT_PASSWORD"] = "correct horse" };
        TestDisks.Create(t.Combine("disk0.raw"), 4 << 20, seed: 7);
        LifeboatProcess.Run(env, "repo", "init", t.Combine("repo"), "--encrypt").ShouldSucceed();
        var id = RestorePointId(LifeboatProcess.Run(env, "backup", "--repo", t.Combine("repo"), "--vm", "secret", "--disk", t.Combine("disk0.raw"), "--json").ShouldSucceed());
        var files = RestoredFiles(LifeboatProcess.Run(env, "restore", "--repo", t.Combine("repo"), "--restore-point", id, "--to", t.Combine("r"), "--json").ShouldSucceed());
        Assert.Equal(TestDisks.Sha256(t.Combine("disk0.raw")), TestDisks.Sha256(files[0]));
    }

    internal static string RestorePointId(ToolResult result)
    {
        using var json = JsonDocument.Parse(result.Stdout);
        return json.RootElement.GetProperty("restorePointId").GetString()!;
    }

    internal static List<string> RestoredFiles(ToolResult result)
    {
        using var json = JsonDocument.Parse(result.Stdout);
        return json.RootElement.GetProperty("files").EnumerateArray().Select(e => e.GetString()!).ToList();
    }
}
