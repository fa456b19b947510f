namespace Lifeboat.Disks.Tests;

public sealed class SetLengthTests
{
    [Theory]
    [InlineData(4096, false)]
    [InlineData(65536, false)]
    [InlineData(65536, true)]
    public async Task Shrinking_then_growing_shows_zeros_where_the_disk_was_cut(int clusterSize, bool hydration)
    {
        using var folder = new TestFolder(onDisk: false);
        var image = BaseImage.Create(folder.Combine("base.raw"), 1024 * 1024, 20);
        string cache = folder.Combine("cache");
        var options = new PublishedDiskOptions { ClusterSize = clusterSize, Hydration = hydration };
        var expected = new byte[image.Length + 300_000];
        image.Content.CopyTo(expected, 0);
        await using (var disk = PublishedDisk.Open(image.Open(), cache, options))
        {
            await DiskAssert.ReadAllAsync(disk); // hydrates everything when hydration is on
            var data = new byte[50_000];
            new Random(20).NextBytes(data);
            await disk.WriteAsync(500_000, data, WriteStability.Unstable);
            data.CopyTo(expected, 500_000);

            long cut = 520_123; // inside the written range and inside a cluster
            await disk.SetLengthAsync(cut);
            Assert.Equal(cut, disk.Length);
            var buffer = new byte[100_000];
            Assert.Equal(20_123, await disk.ReadAsync(500_000, buffer));
            Assert.Equal(0, await disk.ReadAsync(cut, buffer));

            await disk.SetLengthAsync(expected.Length);
            expected.AsSpan((int)cut).Clear();
            await DiskAssert.ContentEqualAsync(expected, disk);
        }

        await using var reopened = PublishedDisk.Open(image.Open(), cache, options);
        await DiskAssert.ContentEqualAsync(expected, reopened);
    }

    [Fact]
    public async Task A_write_past_the_end_grows_the_disk_with_zeros_before_it()
    {
        using var folder = new TestFolder(onDisk: false);
        var image = BaseImage.Create(folder.Combine("base.raw"), 100_000, 21);
        string cache = folder.Combine("cache");
        await using (var disk = PublishedDisk.Open(image.Open(), cache, new PublishedDiskOptions { ClusterSize = 4096 }))
        {
            await disk.WriteAsync(150_000, new byte[] { 7, 7, 7 }, WriteStability.FileSync);
            Assert.Equal(150_003, disk.Length);
        }

        await using var reopened = PublishedDisk.Open(image.Open(), cache, new PublishedDiskOptions { ClusterSize = 4096 });
        var expected = new byte[150_003];
        image.Content.CopyTo(expected, 0);
        expected[150_000] = expected[150_001] = expected[150_002] = 7;
        await DiskAssert.ContentEqualAsync(expected, reopened);
    }

    [Fact]
    public async Task A_crash_between_the_journal_and_the_data_file_resize_is_finished_at_open()
    {
        using var folder = new TestFolder(onDisk: false);
        var image = BaseImage.Create(folder.Combine("base.raw"), 200_000, 22);
        string cache = folder.Combine("cache");
        await using (var disk = PublishedDisk.Open(image.Open(), cache, new PublishedDiskOptions { ClusterSize = 4096 }))
        {
            await disk.WriteAsync(0, new byte[200_000], WriteStability.FileSync);
            await disk.SetLengthAsync(10_000);
        }

        // As if the process died after the SetLength record was durable but before the data file was cut.
        string data = Path.Combine(cache, "writes.data");
        using (var stream = new FileStream(data, FileMode.Open))
        {
            stream.SetLength(200_000);
            stream.Position = 10_000;
            stream.Write(Enumerable.Repeat((byte)0xEE, 190_000).ToArray());
        }

        await using var reopened = PublishedDisk.Open(image.Open(), cache, new PublishedDiskOptions { ClusterSize = 4096 });
        Assert.Equal(10_000, reopened.Length);
        Assert.Equal(10_000, new FileInfo(data).Length);
        await reopened.SetLengthAsync(20_000);
        await DiskAssert.ContentEqualAsync(new byte[20_000], reopened);
    }
}
