using Lifeboat.Repository.Tests.Support;

namespace Lifeboat.Repository.Tests;

public class RetentionTests
{
    private const int BlockSize = 64 * 1024;

    [Fact]
    public async Task Retention_frees_packs_and_kept_points_still_restore_and_verify()
    {
        using var dir = new TestFolder();
        string disk = dir.Combine("disk.img");
        var content = SampleImages.Write(disk, 4 * 1024 * 1024, seed: 50, BlockSize, SampleImages.Kind.Random);
        var other = SampleImages.WriteMixed(dir.Combine("other.img"), 1024 * 1024, seed: 51);
        using var repository = RepositoryFixture.Create(dir, BlockSize);
        var otherPoint = await RepositoryFixture.BackupAsync(repository, "other", dir.Combine("other.img"));
        var points = new List<RestorePointInfo>();
        for (int round = 0; round < 4; round++)
        {
            // Each round rewrites three blocks in four: the first backup's packs end up mostly dead, the middle ones all dead.
            for (int block = 0; block < 64; block++)
            {
                if (block % 4 != 0)
                {
                    SampleImages.Scribble(disk, content, block * BlockSize, BlockSize, seed: (1000 * round) + block);
                }
            }

            points.Add(await RepositoryFixture.BackupAsync(repository, "vm", disk));
        }

        var statsBefore = repository.GetStats();
        long bytesBefore = RepositoryFixture.PackFiles(repository.Path).Sum(p => new FileInfo(p).Length);

        var result = await repository.ApplyRetentionAsync("vm", keepLast: 1);

        var statsAfter = repository.GetStats();
        long bytesAfter = RepositoryFixture.PackFiles(repository.Path).Sum(p => new FileInfo(p).Length);
        Assert.Equal(points.Take(3).Select(p => p.Id), result.RemovedRestorePoints);
        Assert.Equal([otherPoint.Id, points[3].Id], repository.ListRestorePoints().Select(p => p.Id));
        Assert.True(result.PacksDeleted > 0, "No pack was deleted.");
        Assert.True(result.PacksRewritten > 0, "No mostly-dead pack was rewritten.");
        Assert.Equal(bytesBefore - bytesAfter, result.BytesFreed);
        Assert.True(result.BytesFreed >= 8 * 1024 * 1024, $"Only {result.BytesFreed} bytes were freed.");
        Assert.True(statsAfter.Chunks < statsBefore.Chunks);
        Assert.Equal(2, statsAfter.RestorePoints);
        Assert.True((await repository.VerifyAsync()).Ok);
        SampleImages.AssertFileEquals(content, (await RepositoryFixture.RestoreAsync(repository, points[3].Id, dir.Combine("vm"))).Files[0]);
        SampleImages.AssertFileEquals(other, (await RepositoryFixture.RestoreAsync(repository, otherPoint.Id, dir.Combine("other"))).Files[0]);

        using var reopened = BackupRepository.Open(repository.Path, null);
        Assert.True((await reopened.VerifyAsync()).Ok);
        Assert.Equal(statsAfter, reopened.GetStats());
    }

    [Fact]
    public async Task Retention_keeps_everything_when_there_is_nothing_to_remove()
    {
        using var dir = new TestFolder();
        SampleImages.WriteMixed(dir.Combine("disk.img"), 512 * 1024, seed: 52);
        using var repository = RepositoryFixture.Create(dir, BlockSize);
        var point = await RepositoryFixture.BackupAsync(repository, "vm", dir.Combine("disk.img"));
        var packs = RepositoryFixture.PackFiles(repository.Path);

        var result = await repository.ApplyRetentionAsync("vm", keepLast: 3);

        Assert.Empty(result.RemovedRestorePoints);
        Assert.Equal(0, result.PacksDeleted);
        Assert.Equal(0, result.BytesFreed);
        Assert.Equal(packs, RepositoryFixture.PackFiles(repository.Path));
        Assert.Equal(point.Id, repository.GetRestorePoint("latest").Id);
    }

    [Fact]
    public async Task Retention_waits_for_nobody_it_refuses_while_a_disk_is_open()
    {
        using var dir = new TestFolder();
        SampleImages.WriteMixed(dir.Combine("disk.img"), 512 * 1024, seed: 53);
        using var repository = RepositoryFixture.Create(dir, BlockSize);
        var first = await RepositoryFixture.BackupAsync(repository, "vm", dir.Combine("disk.img"));
        await RepositoryFixture.BackupAsync(repository, "vm", dir.Combine("disk.img"));

        using (repository.OpenDisk(first.Id, 0))
        {
            var error = await Assert.ThrowsAsync<RepositoryException>(() => repository.ApplyRetentionAsync("vm", 1));
            Assert.Equal($"Repository '{repository.Path}' is in use by a running backup or mount; try again when it ends.", error.Message);
            Assert.Equal(2, repository.ListRestorePoints().Count);
        }

        Assert.Single((await repository.ApplyRetentionAsync("vm", 1)).RemovedRestorePoints);
    }

    [Fact]
    public async Task Retention_in_another_process_cannot_run_while_a_backup_is_writing()
    {
        using var dir = new TestFolder();
        SampleImages.WriteMixed(dir.Combine("disk.img"), 512 * 1024, seed: 54);
        SampleImages.Write(dir.Combine("big.img"), 3 * 1024 * 1024, seed: 55, BlockSize, SampleImages.Kind.Random);
        using var repository = RepositoryFixture.Create(dir, BlockSize);
        await RepositoryFixture.BackupAsync(repository, "vm", dir.Combine("disk.img"));
        using var other = BackupRepository.Open(repository.Path, null);
        RepositoryException? refused = null;
        repository.PackStagedHook = _ => refused ??= Assert.Throws<RepositoryException>(() => other.ApplyRetentionAsync("vm", 1).GetAwaiter().GetResult());

        var point = await RepositoryFixture.BackupAsync(repository, "vm", dir.Combine("big.img"));

        Assert.NotNull(refused);
        Assert.Contains("is in use by a running backup or mount", refused.Message, StringComparison.Ordinal);
        Assert.Empty((await other.ApplyRetentionAsync("vm", 2)).RemovedRestorePoints);
        Assert.Equal(2, other.ListRestorePoints().Count);
        Assert.True((await other.VerifyAsync(point.Id)).Ok);
    }

    [Fact]
    public async Task Keep_last_must_be_positive()
    {
        using var dir = new TestFolder();
        using var repository = RepositoryFixture.Create(dir);

        var error = await Assert.ThrowsAsync<RepositoryException>(() => repository.ApplyRetentionAsync("vm", 0));

        Assert.Contains("at least one", error.Message, StringComparison.Ordinal);
    }
}
