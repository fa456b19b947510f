using Lifeboat.Repository.Tests.Support;

namespace Lifeboat.Repository.Tests;

public class RestorePointDeletionTests
{
    private const int BlockSize = 64 * 1024;

    [Fact]
    public async Task Deleting_a_restore_point_frees_what_only_it_referenced_and_the_others_still_restore()
    {
        using var dir = new TestFolder();
        string disk = dir.Combine("disk.img");
        var first = SampleImages.Write(disk, 2 * 1024 * 1024, seed: 70, BlockSize, SampleImages.Kind.Random);
        using var repository = RepositoryFixture.Create(dir, BlockSize);
        var kept = await RepositoryFixture.BackupAsync(repository, "vm", disk);
        SampleImages.Write(disk, 2 * 1024 * 1024, seed: 71, BlockSize, SampleImages.Kind.Random);
        var deleted = await RepositoryFixture.BackupAsync(repository, "vm", disk);
        long bytesBefore = RepositoryFixture.PackFiles(repository.Path).Sum(p => new FileInfo(p).Length);

        var result = await repository.DeleteRestorePointAsync(deleted.Id);

        Assert.Equal([deleted.Id], result.RemovedRestorePoints);
        Assert.True(result.BytesFreed >= 2 * 1024 * 1024, $"Only {result.BytesFreed} bytes were freed.");
        Assert.Equal(bytesBefore - RepositoryFixture.PackFiles(repository.Path).Sum(p => new FileInfo(p).Length), result.BytesFreed);
        Assert.Equal([kept.Id], repository.ListRestorePoints().Select(p => p.Id));
        Assert.True((await repository.VerifyAsync()).Ok);
        SampleImages.AssertFileEquals(first, (await RepositoryFixture.RestoreAsync(repository, kept.Id, dir.Combine("kept"))).Files[0]);
        var missing = await Assert.ThrowsAsync<RepositoryException>(() => repository.DeleteRestorePointAsync(deleted.Id));
        Assert.StartsWith($"No restore point '{deleted.Id}'", missing.Message, StringComparison.Ordinal);
        var latest = await Assert.ThrowsAsync<RepositoryException>(() => repository.DeleteRestorePointAsync("latest"));
        Assert.StartsWith("'latest' is not a restore point id", latest.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_protected_restore_point_is_kept_by_retention_without_counting_and_refused_by_deletion_until_unprotected()
    {
        using var dir = new TestFolder();
        SampleImages.WriteMixed(dir.Combine("disk.img"), 512 * 1024, seed: 72);
        using var repository = RepositoryFixture.Create(dir, BlockSize);
        var points = new List<RestorePointInfo>();
        for (int i = 0; i < 4; i++)
        {
            points.Add(await RepositoryFixture.BackupAsync(repository, "vm", dir.Combine("disk.img")));
        }

        Assert.True(repository.SetProtected(points[0].Id, protect: true).Protected);
        Assert.True(repository.SetProtected(points[0].Id, protect: true).Protected);

        var refused = await Assert.ThrowsAsync<RepositoryException>(() => repository.DeleteRestorePointAsync(points[0].Id));
        Assert.Equal($"Restore point {points[0].Id} is protected; unprotect it first.", refused.Message);
        var result = await repository.ApplyRetentionAsync("vm", keepLast: 2);

        // Protected points are kept besides the newest two: they do not count toward keep-last.
        Assert.Equal([points[1].Id], result.RemovedRestorePoints);
        Assert.Equal([points[0].Id, points[2].Id, points[3].Id], repository.ListRestorePoints().Select(p => p.Id));
        Assert.Equal([true, false, false], repository.ListRestorePoints().Select(p => p.Protected));
        Assert.True(repository.GetRestorePoint(points[0].Id).Protected);
        using (var other = BackupRepository.Open(repository.Path, null))
        {
            Assert.True(other.GetRestorePoint(points[0].Id).Protected);
            Assert.False(other.SetProtected(points[0].Id, protect: false).Protected);
        }

        Assert.False(repository.GetRestorePoint(points[0].Id).Protected);
        Assert.Equal([points[0].Id], (await repository.DeleteRestorePointAsync(points[0].Id)).RemovedRestorePoints);
        Assert.Equal([points[2].Id, points[3].Id], repository.ListRestorePoints().Select(p => p.Id));
        Assert.True((await repository.VerifyAsync()).Ok);
    }

    [Fact]
    public async Task A_protection_marker_left_staged_by_a_crash_counts_for_nothing_and_is_cleaned_up()
    {
        using var dir = new TestFolder();
        SampleImages.WriteMixed(dir.Combine("disk.img"), 512 * 1024, seed: 73);
        using var repository = RepositoryFixture.Create(dir, BlockSize);
        var older = await RepositoryFixture.BackupAsync(repository, "vm", dir.Combine("disk.img"));
        var newer = await RepositoryFixture.BackupAsync(repository, "vm", dir.Combine("disk.img"));
        // A crash between writing the staged marker and renaming it into place leaves exactly this.
        string staged = Path.Combine(repository.Path, "tmp", older.Id + ".protected");
        File.WriteAllBytes(staged, []);

        using (var reopened = BackupRepository.Open(repository.Path, null))
        {
            Assert.False(reopened.GetRestorePoint(older.Id).Protected);
            Assert.Equal([older.Id], (await reopened.ApplyRetentionAsync("vm", keepLast: 1)).RemovedRestorePoints);
        }

        Assert.False(File.Exists(staged));
        Assert.Equal([newer.Id], repository.ListRestorePoints().Select(p => p.Id));

        // Protecting again over a leftover staged marker works, and unprotecting leaves no marker behind.
        File.WriteAllBytes(Path.Combine(repository.Path, "tmp", newer.Id + ".protected"), [1, 2, 3]);
        Assert.True(repository.SetProtected(newer.Id, protect: true).Protected);
        Assert.Equal([newer.Id + ".protected", newer.Id + ".rp"], Directory.GetFiles(Path.Combine(repository.Path, "restore-points")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.False(repository.SetProtected(newer.Id, protect: false).Protected);
        Assert.Equal([newer.Id + ".rp"], Directory.GetFiles(Path.Combine(repository.Path, "restore-points")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Deletion_is_refused_while_a_disk_of_the_repository_is_open_and_protection_while_retention_runs()
    {
        using var dir = new TestFolder();
        SampleImages.WriteMixed(dir.Combine("disk.img"), 512 * 1024, seed: 74);
        using var repository = RepositoryFixture.Create(dir, BlockSize);
        var published = await RepositoryFixture.BackupAsync(repository, "vm", dir.Combine("disk.img"));
        var other = await RepositoryFixture.BackupAsync(repository, "vm", dir.Combine("disk.img"));

        using (repository.OpenDisk(published.Id, 0))
        {
            var error = await Assert.ThrowsAsync<RepositoryException>(() => repository.DeleteRestorePointAsync(published.Id));
            Assert.Equal($"Repository '{repository.Path}' is in use by a running backup or mount; try again when it ends.", error.Message);
            Assert.True(repository.SetProtected(other.Id, protect: true).Protected);
        }

        Assert.Equal(2, repository.ListRestorePoints().Count);
        using var otherProcess = BackupRepository.Open(repository.Path, null);
        var refused = Assert.Throws<RepositoryException>(() =>
        {
            // The lock as retention holds it (flock, exclusive), taken through another open file as another process would.
            using var retention = new FileStream(Path.Combine(repository.Path, "lock"), FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            otherProcess.SetProtected(published.Id, protect: true);
        });
        Assert.Equal($"Repository '{repository.Path}' is being cleaned up by retention; try again when it ends.", refused.Message);
        Assert.False(repository.GetRestorePoint(published.Id).Protected);
    }
}
