using Lifeboat.Repository.Tests.Support;

namespace Lifeboat.Repository.Tests;

/// <summary>Backups of disks whose changes since a restore point are known: only those ranges are read.</summary>
public sealed class IncrementalBackupTests
{
    private const int BlockSize = 64 * 1024;
    private const int DiskLength = 4 * 1024 * 1024;

    [Fact]
    public async Task Only_the_changed_ranges_are_read_and_the_rest_comes_from_the_base_restore_point()
    {
        using var dir = new TestFolder();
        var content = SampleImages.Write(dir.Combine("disk.img"), DiskLength, seed: 21, BlockSize, SampleImages.Kind.Random, SampleImages.Kind.Text);
        using var repository = RepositoryFixture.Create(dir, BlockSize);
        var full = new ChangedRangesDiskSource(content.ToArray(), null, [], "no bitmap yet");
        var first = await repository.BackupAsync(Request(full));
        Assert.Equal(DiskLength, full.BytesRead);
        Assert.Equal("no bitmap yet", first.Disks[0].ChangeTracking!.FullReadReason);
        Assert.Null(first.Disks[0].ChangeTracking!.BaseRestorePointId);

        // Changed: part of block 3, blocks 10-11 across their border, and block 40 zeroed (it must not keep its old chunk).
        Random.Shared.NextBytes(content.AsSpan((3 * BlockSize) + 100, 10));
        Random.Shared.NextBytes(content.AsSpan((11 * BlockSize) - 5, 10));
        content.AsSpan(40 * BlockSize, BlockSize).Clear();
        var changes = new ChangedRangesDiskSource(content, first.Id, [((3 * BlockSize) + 100, 10), ((11 * BlockSize) - 5, 10), (40 * BlockSize, BlockSize)]);
        var second = await repository.BackupAsync(Request(changes) with { Consistency = new BackupConsistency(BackupConsistency.FileSystemConsistent, 12.5, null, "qemu 1@2") });

        Assert.Equal(4 * BlockSize, changes.BytesRead);
        Assert.Equal(4 * BlockSize, second.Disks[0].ChangeTracking!.BytesRead);
        Assert.Equal(first.Id, second.Disks[0].ChangeTracking!.BaseRestorePointId);
        Assert.Equal(BackupConsistency.FileSystemConsistent, second.Consistency!.Kind);
        Assert.Equal(12.5, second.Consistency.FrozenMilliseconds);
        var restored = (await RepositoryFixture.RestoreAsync(repository, second.Id, dir.Combine("b"))).Files[0];
        SampleImages.AssertFileEquals(content, restored);

        // What was recorded comes back after the repository is opened again.
        using var reopened = BackupRepository.Open(repository.Path, password: null);
        var listed = reopened.GetRestorePoint(second.Id);
        Assert.Equal("bitmap-test", listed.Disks[0].ChangeTracking!.TrackingId);
        Assert.Equal("qemu 1@2", listed.Consistency!.SourceIdentity);
    }

    [Fact]
    public async Task A_base_restore_point_that_is_gone_or_of_another_size_means_a_full_read_with_the_reason_recorded()
    {
        using var dir = new TestFolder();
        var content = SampleImages.Write(dir.Combine("disk.img"), DiskLength, seed: 22, BlockSize, SampleImages.Kind.Random);
        using var repository = RepositoryFixture.Create(dir, BlockSize);
        var first = await repository.BackupAsync(Request(new ChangedRangesDiskSource(content, null, [])));

        var missingBase = new ChangedRangesDiskSource(content, "20200101-000000-abcd", [(0, 10)]);
        var second = await repository.BackupAsync(Request(missingBase));
        Assert.Equal(DiskLength, missingBase.BytesRead);
        Assert.Contains("gone", second.Disks[0].ChangeTracking!.FullReadReason, StringComparison.Ordinal);
        Assert.Equal(0, second.StoredBytes);

        var grown = content.Concat(new byte[BlockSize]).ToArray();
        var resized = new ChangedRangesDiskSource(grown, first.Id, [(0, 10)]);
        var third = await repository.BackupAsync(Request(resized));
        Assert.Equal(grown.Length, resized.BytesRead);
        Assert.Contains("resized", third.Disks[0].ChangeTracking!.FullReadReason, StringComparison.Ordinal);
        SampleImages.AssertFileEquals(grown, (await RepositoryFixture.RestoreAsync(repository, third.Id, dir.Combine("c"))).Files[0]);
    }

    private static BackupRequest Request(ChangedRangesDiskSource source) =>
        new("live-vm", []) { Disks = [new BackupDisk("virtio0", "qmp:/run/vm.sock#disk0", source)] };
}
