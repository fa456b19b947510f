namespace Lifeboat.Disks.Tests;

public sealed class PartialClusterTests
{
    [Theory]
    [InlineData(4096)]
    [InlineData(65536)]
    public async Task A_small_write_keeps_the_rest_of_its_cluster_from_the_base(int clusterSize)
    {
        using var folder = new TestFolder(onDisk: false);
        var image = BaseImage.Create(folder.Combine("base.raw"), 1024 * 1024, 3);
        await using var disk = PublishedDisk.Open(image.Open(), folder.Combine("cache"), new PublishedDiskOptions { ClusterSize = clusterSize });

        long offset = (3L * clusterSize) + 1000;
        byte[] data = [1, 2, 3, 4, 5, 6, 7];
        await disk.WriteAsync(offset, data, WriteStability.FileSync);

        var expected = (byte[])image.Content.Clone();
        data.CopyTo(expected, offset);
        await DiskAssert.ContentEqualAsync(expected, disk);
        Assert.Equal(1, disk.Stats.WrittenClusters);
        Assert.Equal(1, disk.Stats.ClusterFills);
        Assert.Equal(clusterSize, disk.Stats.CacheBytes);
    }

    [Fact]
    public async Task A_write_across_clusters_fills_only_its_partial_first_and_last_clusters()
    {
        using var folder = new TestFolder(onDisk: false);
        var image = BaseImage.Create(folder.Combine("base.raw"), 1024 * 1024, 4);
        await using var disk = PublishedDisk.Open(image.Open(), folder.Combine("cache"), new PublishedDiskOptions { ClusterSize = 4096 });

        var data = new byte[(5 * 4096) + 100];
        new Random(5).NextBytes(data);
        long offset = (10 * 4096) + 2000;
        await disk.WriteAsync(offset, data, WriteStability.Unstable);

        var expected = (byte[])image.Content.Clone();
        data.CopyTo(expected, offset);
        await DiskAssert.ContentEqualAsync(expected, disk);
        Assert.Equal(2, disk.Stats.ClusterFills);
        Assert.Equal(6, disk.Stats.WrittenClusters);
    }

    [Fact]
    public async Task A_second_write_to_a_cached_cluster_does_not_refill_it()
    {
        using var folder = new TestFolder(onDisk: false);
        var image = BaseImage.Create(folder.Combine("base.raw"), 256 * 1024, 6);
        await using var disk = PublishedDisk.Open(image.Open(), folder.Combine("cache"), new PublishedDiskOptions { ClusterSize = 65536 });

        await disk.WriteAsync(100, new byte[] { 9, 9 }, WriteStability.Unstable);
        await disk.WriteAsync(5000, new byte[] { 8, 8, 8 }, WriteStability.Unstable);

        var expected = (byte[])image.Content.Clone();
        expected[100] = expected[101] = 9;
        expected[5000] = expected[5001] = expected[5002] = 8;
        await DiskAssert.ContentEqualAsync(expected, disk);
        Assert.Equal(1, disk.Stats.ClusterFills);
    }

    [Fact]
    public async Task The_last_partial_cluster_of_the_disk_is_filled_up_to_the_end_only()
    {
        using var folder = new TestFolder(onDisk: false);
        var image = BaseImage.Create(folder.Combine("base.raw"), (64 * 1024) + 5000, 7);
        await using var disk = PublishedDisk.Open(image.Open(), folder.Combine("cache"), new PublishedDiskOptions { ClusterSize = 65536 });

        await disk.WriteAsync(65536 + 10, new byte[] { 1 }, WriteStability.FileSync);
        await disk.WriteAsync(65536, new byte[5000], WriteStability.FileSync); // covers the whole last cluster

        var expected = (byte[])image.Content.Clone();
        expected.AsSpan(65536).Clear();
        Assert.Equal(image.Length, disk.Length);
        await DiskAssert.ContentEqualAsync(expected, disk);
        Assert.Equal(image.Length, new FileInfo(Path.Combine(disk.CacheDirectory, "writes.data")).Length);
    }
}
