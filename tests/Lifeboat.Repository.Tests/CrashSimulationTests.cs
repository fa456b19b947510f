using Lifeboat.Repository.Tests.Support;

namespace Lifeboat.Repository.Tests;

/// <summary>
/// A copy of the repository folder taken while a backup runs is what a disk holds after kill -9 at that
/// moment (every file the backup wrote so far was fsynced before the next step).
/// </summary>
public class CrashSimulationTests
{
    private const int BlockSize = 64 * 1024;

    [Fact]
    public async Task Backup_abandoned_midway_leaves_an_orphan_that_readers_ignore_and_retention_removes()
    {
        using var dir = new TestFolder();
        var earlierContent = SampleImages.WriteMixed(dir.Combine("earlier.img"), 2 * 1024 * 1024, seed: 60);
        SampleImages.Write(dir.Combine("big.img"), 6 * 1024 * 1024, seed: 61, BlockSize, SampleImages.Kind.Random);
        using var repository = RepositoryFixture.Create(dir, BlockSize);
        var earlier = await RepositoryFixture.BackupAsync(repository, "vm", dir.Combine("earlier.img"));
        var statsBefore = repository.GetStats();
        string crash = dir.Combine("crash");
        int staged = 0;
        repository.PackStagedHook = _ =>
        {
            if (++staged == 2)
            {
                RepositoryFixture.CopyFolder(repository.Path, crash);
            }
        };

        var completed = await RepositoryFixture.BackupAsync(repository, "vm", dir.Combine("big.img"));

        Assert.True(staged > 2, "The backup should have written several packs.");
        Assert.True(Directory.Exists(crash));
        using var afterCrash = BackupRepository.Open(crash, null);
        Assert.Equal([earlier.Id], afterCrash.ListRestorePoints().Select(p => p.Id));
        Assert.True(RepositoryFixture.PackFiles(crash).Length > statsBefore.Packs, "The crash image should hold the interrupted backup's packs.");
        Assert.Equal(statsBefore.Packs, afterCrash.GetStats().Packs);
        Assert.True((await afterCrash.VerifyAsync()).Ok);
        SampleImages.AssertFileEquals(earlierContent, (await RepositoryFixture.RestoreAsync(afterCrash, earlier.Id, dir.Combine("out1"))).Files[0]);

        var cleanup = await afterCrash.ApplyRetentionAsync("vm", keepLast: 10);

        Assert.Empty(cleanup.RemovedRestorePoints);
        Assert.Equal(2, cleanup.PacksDeleted);
        Assert.Equal(statsBefore.Packs, RepositoryFixture.PackFiles(crash).Length);
        Assert.Empty(RepositoryFixture.Files(Path.Combine(crash, "tmp")));
        Assert.True((await afterCrash.VerifyAsync()).Ok);
        SampleImages.AssertFileEquals(earlierContent, (await RepositoryFixture.RestoreAsync(afterCrash, earlier.Id, dir.Combine("out2"))).Files[0]);

        // The uninterrupted original committed the same backup completely.
        SampleImages.AssertFilesEqual(dir.Combine("big.img"), (await RepositoryFixture.RestoreAsync(repository, completed.Id, dir.Combine("out3"))).Files[0]);
    }

    [Fact]
    public async Task Backup_after_a_crash_dedups_nothing_against_the_orphan_and_commits_normally()
    {
        using var dir = new TestFolder();
        var content = SampleImages.Write(dir.Combine("disk.img"), 4 * 1024 * 1024, seed: 62, BlockSize, SampleImages.Kind.Random);
        using var repository = RepositoryFixture.Create(dir, BlockSize);
        string crash = dir.Combine("crash");
        repository.PackStagedHook = _ =>
        {
            if (!Directory.Exists(crash))
            {
                RepositoryFixture.CopyFolder(repository.Path, crash);
            }
        };
        await RepositoryFixture.BackupAsync(repository, "vm", dir.Combine("disk.img"));
        using var afterCrash = BackupRepository.Open(crash, null);
        afterCrash.PackTargetLength = 1024 * 1024;

        var point = await RepositoryFixture.BackupAsync(afterCrash, "vm", dir.Combine("disk.img"));

        Assert.Equal(4 * 1024 * 1024 + (64 * 52), point.StoredBytes);
        Assert.True((await afterCrash.VerifyAsync()).Ok);
        SampleImages.AssertFileEquals(content, (await RepositoryFixture.RestoreAsync(afterCrash, point.Id, dir.Combine("out"))).Files[0]);
    }
}
