using System.Text.Json;

namespace Lifeboat.Cli.Tests;

/// <summary>A flipped byte in a stored chunk is found, named, and touches nothing else.</summary>
public sealed class DamageTests
{
    [Fact]
    public void A_flipped_byte_is_named_by_verify_and_restore_and_nothing_else_is_affected()
    {
        using var t = new TestFolder();
        var repo = t.Combine("repo");
        TestDisks.Create(t.Combine("a.raw"), 4 << 20, seed: 21);
        TestDisks.Create(t.Combine("b.raw"), 4 << 20, seed: 22);
        LifeboatProcess.Run("repo", "init", repo, "--block-size", "64K").ShouldSucceed();
        var idA = BackupRestoreStoryTests.RestorePointId(LifeboatProcess.Run("backup", "--repo", repo, "--vm", "a", "--disk", t.Combine("a.raw"), "--json").ShouldSucceed());
        var packsOfA = Directory.GetFiles(Path.Combine(repo, "packs"), "*", SearchOption.AllDirectories).ToHashSet();
        var idB = BackupRestoreStoryTests.RestorePointId(LifeboatProcess.Run("backup", "--repo", repo, "--vm", "b", "--disk", t.Combine("b.raw"), "--json").ShouldSucceed());

        var pack = packsOfA.OrderByDescending(p => new FileInfo(p).Length).First();
        using (var file = new FileStream(pack, FileMode.Open, FileAccess.ReadWrite))
        {
            file.Position = file.Length / 2;
            var b = file.ReadByte();
            file.Position = file.Length / 2;
            file.WriteByte((byte)(b ^ 0x5A));
        }

        var verify = LifeboatProcess.Run("verify", "--repo", repo, "--json");
        Assert.Equal(3, verify.ExitCode);
        using (var report = JsonDocument.Parse(verify.Stdout))
        {
            Assert.False(report.RootElement.GetProperty("ok").GetBoolean());
            var bad = Assert.Single(report.RootElement.GetProperty("badChunks").EnumerateArray());
            Assert.Matches("^[0-9a-f]{16,64}$", bad.GetProperty("chunkId").GetString());
            var affected = Assert.Single(bad.GetProperty("affected").EnumerateArray());
            Assert.Equal(idA, affected.GetProperty("restorePointId").GetString());
            Assert.NotEmpty(affected.GetProperty("offsets").EnumerateArray());
        }

        var restore = LifeboatProcess.Run("restore", "--repo", repo, "--restore-point", idA, "--to", t.Combine("ra"));
        Assert.NotEqual(0, restore.ExitCode);
        Assert.Contains("offset", restore.Stderr, StringComparison.OrdinalIgnoreCase);

        var partial = LifeboatProcess.Run("restore", "--repo", repo, "--restore-point", idA, "--to", t.Combine("ra2"), "--continue-on-error", "--json");
        Assert.Equal(3, partial.ExitCode);
        using (var json = JsonDocument.Parse(partial.Stdout))
        {
            var range = Assert.Single(json.RootElement.GetProperty("badRanges").EnumerateArray());
            var offset = range.GetProperty("offset").GetInt64();
            var length = range.GetProperty("length").GetInt64();
            var written = json.RootElement.GetProperty("files")[0].GetString()!;
            var original = File.ReadAllBytes(t.Combine("a.raw"));
            var restored = File.ReadAllBytes(written);
            Assert.Equal(original.Length, restored.Length);
            Assert.True(original.AsSpan(0, (int)offset).SequenceEqual(restored.AsSpan(0, (int)offset)));
            Assert.True(original.AsSpan((int)(offset + length)).SequenceEqual(restored.AsSpan((int)(offset + length))));
        }

        var files = BackupRestoreStoryTests.RestoredFiles(LifeboatProcess.Run("restore", "--repo", repo, "--restore-point", idB, "--to", t.Combine("rb"), "--json").ShouldSucceed());
        Assert.Equal(TestDisks.Sha256(t.Combine("b.raw")), TestDisks.Sha256(files[0]));
        LifeboatProcess.Run("verify", "--repo", repo, "--restore-point", idB).ShouldSucceed();
    }
}
