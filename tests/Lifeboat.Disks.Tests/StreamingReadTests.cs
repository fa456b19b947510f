using Lifeboat.Repository;

namespace Lifeboat.Disks.Tests;

/// <summary>Reads recognised as a stream (a mirror job, a large copy) are served without keeping local copies.</summary>
public sealed class StreamingReadTests
{
    private const int MiB = 1024 * 1024;

    [Fact]
    public async Task A_stream_keeps_no_copies_past_the_threshold_and_reads_the_right_bytes()
    {
        using var folder = new TestFolder(onDisk: false);
        var image = BaseImage.Create(folder.Combine("base.raw"), 24 * MiB, 80);
        var options = new PublishedDiskOptions { ClusterSize = 65536, StreamingReadBytes = 4 * MiB };
        await using var disk = PublishedDisk.Open(image.Open(), folder.Combine("cache"), options);

        await DiskAssert.ContentEqualAsync(image.Content, disk);
        await disk.HydrationIdle;

        Assert.True(disk.Stats.StreamingReads >= 19, $"only {disk.Stats.StreamingReads} reads were streaming");
        Assert.True(disk.Stats.HydratedBytes <= 5 * MiB, $"{disk.Stats.HydratedBytes} bytes hydrated by a stream");
        Assert.True(disk.Stats.HydratedBytes > 0);
    }

    [Fact]
    public async Task Random_reads_beside_a_finished_stream_are_still_hydrated()
    {
        using var folder = new TestFolder(onDisk: false);
        var image = BaseImage.Create(folder.Combine("base.raw"), 32 * MiB, 81);
        var options = new PublishedDiskOptions { ClusterSize = 65536, StreamingReadBytes = 2 * MiB };
        await using var disk = PublishedDisk.Open(image.Open(), folder.Combine("cache"), options);
        var buffer = new byte[MiB];
        for (long offset = 0; offset < 8 * MiB; offset += MiB)
            await disk.ReadAsync(offset, buffer);
        await disk.HydrationIdle;
        long afterStream = disk.Stats.HydratedClusters;

        var random = new Random(81);
        var small = new byte[4096];
        for (int i = 0; i < 50; i++)
        {
            long offset = random.NextInt64(16 * MiB / 4096, 32 * MiB / 4096) * 4096;
            Assert.Equal(small.Length, await disk.ReadAsync(offset, small));
            DiskAssert.AssertSame(image.Content.AsSpan((int)offset, small.Length), small, offset);
        }

        await disk.HydrationIdle;
        Assert.True(disk.Stats.HydratedClusters >= afterStream + 40, $"{disk.Stats.HydratedClusters - afterStream} of 50 random reads hydrated");
    }

    [Fact]
    public async Task Writes_during_a_stream_are_read_back_over_the_backup()
    {
        using var folder = new TestFolder(onDisk: false);
        var image = BaseImage.Create(folder.Combine("base.raw"), 16 * MiB, 82);
        var model = new DiskModel(image.Content);
        var options = new PublishedDiskOptions { ClusterSize = 4096, StreamingReadBytes = MiB };
        await using var disk = PublishedDisk.Open(image.Open(), folder.Combine("cache"), options);
        var random = new Random(82);
        var buffer = new byte[256 * 1024];
        for (long offset = 0; offset < disk.Length; offset += buffer.Length)
        {
            var data = new byte[random.Next(1, 20_000)];
            random.NextBytes(data);
            long at = random.NextInt64(0, disk.Length - data.Length);
            await disk.WriteAsync(at, data, WriteStability.Unstable);
            model.Write(at, data);

            int n = await disk.ReadAsync(offset, buffer);
            DiskAssert.AssertSame(model.Read(offset, n), buffer.AsSpan(0, n), offset);
        }

        await disk.HydrationIdle;
        await DiskAssert.ContentEqualAsync(model.Content.ToArray(), disk);
    }

    [Fact]
    public async Task A_restore_point_streamed_and_read_at_random_gives_its_bytes()
    {
        using var folder = new TestFolder(onDisk: false);
        var image = BaseImage.Create(folder.Combine("disk0.raw"), (6 * MiB) + 12_345, 83);
        string repositoryPath = folder.Combine("repo");
        string restorePoint;
        using (var repository = BackupRepository.Init(repositoryPath, new RepositoryOptions(BlockSize: 64 * 1024), password: null))
            restorePoint = (await repository.BackupAsync(new BackupRequest("vm1", [image.Path]))).Id;

        using var repo = BackupRepository.Open(repositoryPath, password: null);
        var options = new PublishedDiskOptions { ClusterSize = 65536, StreamingReadBytes = 512 * 1024, DiskName = "vm1/disk0" };
        await using var disk = PublishedDisk.Open(RestorePointBaseDisk.Open(repo, restorePoint, 0, cacheBytes: 1 * MiB), folder.Combine("cache"), options);

        // Unaligned pieces, so that streaming reads start and end inside blocks.
        var buffer = new byte[300_001];
        for (long offset = 0; offset < disk.Length; offset += buffer.Length)
        {
            int n = await disk.ReadAsync(offset, buffer);
            DiskAssert.AssertSame(image.Content.AsSpan((int)offset, n), buffer.AsSpan(0, n), offset);
        }

        Assert.True(disk.Stats.StreamingReads > 0);
        var random = new Random(83);
        for (int i = 0; i < 200; i++)
        {
            int count = random.Next(1, 200_000);
            long offset = random.NextInt64(0, disk.Length - count);
            int n = await disk.ReadAsync(offset, buffer.AsMemory(0, count));
            DiskAssert.AssertSame(image.Content.AsSpan((int)offset, n), buffer.AsSpan(0, n), offset);
        }
    }
}
