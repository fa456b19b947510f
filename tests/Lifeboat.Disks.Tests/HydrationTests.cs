namespace Lifeboat.Disks.Tests;

public sealed class HydrationTests
{
    [Fact]
    public async Task A_hydrated_cluster_is_read_from_the_local_copy_afterwards()
    {
        using var folder = new TestFolder(onDisk: false);
        var image = BaseImage.Create(folder.Combine("base.raw"), 2 * 1024 * 1024, 50);
        var probe = new InstrumentedBaseDisk(image.Open());
        await using var disk = PublishedDisk.Open(probe, folder.Combine("cache"), new PublishedDiskOptions { ClusterSize = 65536, Hydration = true, ReadAheadBytes = 0 });

        var buffer = new byte[10_000];
        await disk.ReadAsync(100_000, buffer);
        await disk.HydrationIdle; // the copy is written behind the read
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
        using var folder = new TestFolder(onDisk: false);
        var image = BaseImage.Create(folder.Combine("base.raw"), 2 * 1024 * 1024, 51);
        var options = new PublishedDiskOptions { ClusterSize = 65536, Hydration = true, MaxHydrationBytes = 4 * 65536, ReadAheadBytes = 0 };
        await using var disk = PublishedDisk.Open(image.Open(), folder.Combine("cache"), options);

        await DiskAssert.ContentEqualAsync(image.Content, disk);
        await disk.HydrationIdle;
        await DiskAssert.ContentEqualAsync(image.Content, disk);
        await disk.HydrationIdle;
        Assert.Equal(4, disk.Stats.HydratedClusters);
        Assert.True(new FileInfo(Path.Combine(disk.CacheDirectory, "hydrated.data")).Length <= 2 * 1024 * 1024);
    }

    [Fact]
    public async Task Sequential_reads_copy_the_clusters_ahead_in_the_background()
    {
        using var folder = new TestFolder(onDisk: false);
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
        using var folder = new TestFolder(onDisk: false);
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

    [Fact]
    public async Task Concurrent_reads_that_outrun_the_hydration_writer_still_keep_every_cluster()
    {
        using var folder = new TestFolder(onDisk: false);
        var image = BaseImage.Create(folder.Combine("base.raw"), 8 * 1024 * 1024, 54);
        var probe = new InstrumentedBaseDisk(image.Open());
        var options = new PublishedDiskOptions { ClusterSize = 65536, HydrationQueueBytes = 65536, StreamingReadBytes = 0 };
        await using var disk = PublishedDisk.Open(probe, folder.Combine("cache"), options);

        long next = -1;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            var buffer = new byte[4096];
            for (long cluster = Interlocked.Increment(ref next); cluster < 128; cluster = Interlocked.Increment(ref next))
            {
                long offset = (cluster * 65536) + 1000;
                Assert.Equal(buffer.Length, await disk.ReadAsync(offset, buffer));
                DiskAssert.AssertSame(image.Content.AsSpan((int)offset, buffer.Length), buffer, offset);
            }
        })));
        await disk.HydrationIdle;

        Assert.Equal(128, disk.Stats.HydratedClusters);
        long baseReads = probe.Reads;
        await DiskAssert.ContentEqualAsync(image.Content, disk);
        Assert.Equal(baseReads, probe.Reads);
    }

    [Fact]
    public async Task A_partial_write_fills_its_cluster_from_the_backup_without_keeping_a_copy()
    {
        using var folder = new TestFolder(onDisk: false);
        var image = BaseImage.Create(folder.Combine("base.raw"), 1024 * 1024, 55);
        await using var disk = PublishedDisk.Open(image.Open(), folder.Combine("cache"), new PublishedDiskOptions { ClusterSize = 65536 });

        var data = Enumerable.Repeat((byte)0xA5, 100).ToArray();
        await disk.WriteAsync(200_000, data, WriteStability.Unstable);
        await disk.HydrationIdle;

        Assert.Equal(1, disk.Stats.ClusterFills);
        Assert.Equal(0, disk.Stats.HydratedClusters); // the write cache holds that cluster from now on
        var expected = (byte[])image.Content.Clone();
        data.CopyTo(expected, 200_000);
        await DiskAssert.ContentEqualAsync(expected, disk);
    }
}
