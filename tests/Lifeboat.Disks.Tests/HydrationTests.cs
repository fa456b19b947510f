namespace Lifeboat.Disks.Tests;

public sealed class HydrationTests
{
    [Fact]
    public async Task A_hydrated_cluster_is_read_from_the_local_copy_afterwards()
    {
        using var folder = new TestFolder();
        var image = BaseImage.Create(folder.Combine("base.raw"), 2 * 1024 * 1024, 50);
        var probe = new InstrumentedBaseDisk(image.Open());
        await using var disk = PublishedDisk.Open(probe, folder.Combine("cache"), new PublishedDiskOptions { ClusterSize = 65536, Hydration = true, ReadAheadBytes = 0 });

        var buffer = new byte[10_000];
        await disk.ReadAsync(100_000, buffer);
        long readsAfterFirst = probe.Reads;
        Assert.Equal(65536, probe.BytesRead); // the whole cluster was fetched once
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(buffer.Length, await disk.ReadAsync(70_000 + (i * 1000), buffer));
            DiskAssert.AssertSame(image.Content.AsSpan(70_000 + (i * 1000), buffer.Length), buffer, 70_000 + (i * 1000));
        }

        Assert.Equal(readsAfterFirst, probe.Reads);
        Assert.Equal(1, disk.Stats.HydratedClusters);
        Assert.True(disk.Stats.HydrationHits >= 5);
    }

    [Fact]
    public async Task Hydration_stops_at_its_size_limit_and_reads_stay_correct()
    {
        using var folder = new TestFolder();
        var image = BaseImage.Create(folder.Combine("base.raw"), 2 * 1024 * 1024, 51);
        var options = new PublishedDiskOptions { ClusterSize = 65536, Hydration = true, MaxHydrationBytes = 4 * 65536, ReadAheadBytes = 0 };
        await using var disk = PublishedDisk.Open(image.Open(), folder.Combine("cache"), options);

        await DiskAssert.ContentEqualAsync(image.Content, disk);
        await DiskAssert.ContentEqualAsync(image.Content, disk);
        Assert.Equal(4, disk.Stats.HydratedClusters);
        Assert.True(new FileInfo(Path.Combine(disk.CacheDirectory, "hydrated.data")).Length <= 2 * 1024 * 1024);
    }

    [Fact]
    public async Task Sequential_reads_copy_the_clusters_ahead_in_the_background()
    {
        using var folder = new TestFolder();
        var image = BaseImage.Create(folder.Combine("base.raw"), 4 * 1024 * 1024, 52);
        var probe = new InstrumentedBaseDisk(image.Open());
        var options = new PublishedDiskOptions { ClusterSize = 65536, Hydration = true, ReadAheadBytes = 1024 * 1024 };
        await using var disk = PublishedDisk.Open(probe, folder.Combine("cache"), options);

        var buffer = new byte[65536];
        for (long offset = 0; offset < 4 * 65536; offset += buffer.Length)
            await disk.ReadAsync(offset, buffer);
        await disk.ReadAheadIdle;

        Assert.True(disk.Stats.ReadAheads >= 1);
        Assert.True(disk.Stats.HydratedClusters > 4, $"only {disk.Stats.HydratedClusters} clusters hydrated");
        long baseReads = probe.Reads;
        int n = await disk.ReadAsync(4 * 65536, buffer);
        DiskAssert.AssertSame(image.Content.AsSpan(4 * 65536, n), buffer.AsSpan(0, n), 4 * 65536);
        Assert.Equal(baseReads, probe.Reads);
        await DiskAssert.ContentEqualAsync(image.Content, disk);
    }

    [Fact]
    public async Task Writes_over_hydrated_clusters_win_and_hydration_restarts_empty_after_reopen()
    {
        using var folder = new TestFolder();
        var image = BaseImage.Create(folder.Combine("base.raw"), 1024 * 1024, 53);
        string cache = folder.Combine("cache");
        var options = new PublishedDiskOptions { ClusterSize = 4096, Hydration = true };
        var expected = (byte[])image.Content.Clone();
        await using (var disk = PublishedDisk.Open(image.Open(), cache, options))
        {
            await DiskAssert.ContentEqualAsync(expected, disk);
            var data = Enumerable.Repeat((byte)0x5A, 10_000).ToArray();
            await disk.WriteAsync(12_345, data, WriteStability.Unstable);
            data.CopyTo(expected, 12_345);
            await DiskAssert.ContentEqualAsync(expected, disk);
        }

        await using (var disk = PublishedDisk.Open(image.Open(), cache, options))
        {
            Assert.Equal(0, disk.Stats.HydratedClusters);
            await DiskAssert.ContentEqualAsync(expected, disk);
        }
    }
}
