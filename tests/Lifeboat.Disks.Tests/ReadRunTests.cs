namespace Lifeboat.Disks.Tests;

public sealed class ReadRunTests
{
    [Fact]
    public async Task A_large_read_costs_one_read_per_run_of_clusters_with_the_same_source()
    {
        using var folder = new TestFolder(onDisk: false);
        var image = BaseImage.Create(folder.Combine("base.raw"), 4 * 1024 * 1024, 80);
        var probe = new InstrumentedBaseDisk(image.Open());
        await using var disk = PublishedDisk.Open(probe, folder.Combine("cache"), new PublishedDiskOptions { ClusterSize = 4096, Hydration = false });

        var buffer = new byte[1024 * 1024];
        await disk.ReadAsync(1024 * 1024, buffer);
        Assert.Equal(1, probe.Reads);

        // Two written clusters in the middle of the range: base, cache, base.
        await disk.WriteAsync((1024 * 1024) + (100 * 4096), new byte[2 * 4096], WriteStability.Unstable);
        long before = probe.Reads;
        var statsBefore = disk.Stats;
        await disk.ReadAsync(1024 * 1024, buffer);
        Assert.Equal(2, probe.Reads - before);
        Assert.Equal(1, disk.Stats.CacheHits - statsBefore.CacheHits);

        var expected = image.Content.AsSpan(1024 * 1024, buffer.Length).ToArray();
        expected.AsSpan(100 * 4096, 2 * 4096).Clear();
        DiskAssert.AssertSame(expected, buffer, 1024 * 1024);
    }

    [Fact]
    public async Task Reads_past_the_end_are_short_and_reads_at_the_end_return_nothing()
    {
        using var folder = new TestFolder(onDisk: false);
        var image = BaseImage.Create(folder.Combine("base.raw"), 10_000, 81);
        await using var disk = PublishedDisk.Open(image.Open(), folder.Combine("cache"), PublishedDiskOptions.Default);

        var buffer = new byte[8192];
        Assert.Equal(1808, await disk.ReadAsync(8192, buffer));
        DiskAssert.AssertSame(image.Content.AsSpan(8192), buffer.AsSpan(0, 1808), 8192);
        Assert.Equal(0, await disk.ReadAsync(10_000, buffer));
        Assert.Equal(0, await disk.ReadAsync(1L << 40, buffer));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await disk.ReadAsync(-1, buffer));
    }
}
