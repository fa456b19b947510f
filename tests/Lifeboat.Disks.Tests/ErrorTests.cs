using Xunit.Abstractions;

namespace Lifeboat.Disks.Tests;

public sealed class ErrorTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(false, 290_000)]
    [InlineData(true, 286_720)] // hydration reads whole clusters
    public async Task A_failing_base_read_names_the_disk_offset(bool hydration, long failingOffset)
    {
        using var folder = new TestFolder(onDisk: false);
        var image = BaseImage.Create(folder.Combine("base.raw"), 1024 * 1024, 40);
        await using var disk = PublishedDisk.Open(new InstrumentedBaseDisk(image.Open(), 300_000, 310_000), folder.Combine("cache"),
            new PublishedDiskOptions { ClusterSize = 4096, DiskName = "vm1/disk0", Hydration = hydration });

        var buffer = new byte[65536];
        Assert.Equal(buffer.Length, await disk.ReadAsync(0, buffer));
        var ex = await Assert.ThrowsAsync<IOException>(async () => await disk.ReadAsync(290_000, buffer));
        Assert.Contains("vm1/disk0", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"disk offset {failingOffset}", ex.Message, StringComparison.Ordinal);
        Assert.Contains("corrupt", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, disk.Stats.ReadErrors);
        Assert.Equal(ex.Message, disk.Stats.FirstReadError);

        // A partial write there needs the base too, and fails the same way without caching anything.
        var write = await Assert.ThrowsAsync<IOException>(async () => await disk.WriteAsync(301_000, new byte[10], WriteStability.FileSync));
        Assert.Contains("disk offset", write.Message, StringComparison.Ordinal);
        Assert.Equal(0, disk.Stats.WrittenClusters);

        // A write covering whole clusters needs no base, and then the range reads fine.
        await disk.WriteAsync(294_912, new byte[20_480], WriteStability.FileSync);
        Assert.Equal(10_000, await disk.ReadAsync(300_000, buffer.AsMemory(0, 10_000)));
    }

    [Fact]
    public async Task A_cache_folder_is_used_by_one_published_disk_at_a_time()
    {
        using var folder = new TestFolder(onDisk: false);
        var image = BaseImage.Create(folder.Combine("base.raw"), 64 * 1024, 41);
        string cache = folder.Combine("cache");
        await using (PublishedDisk.Open(image.Open(), cache, PublishedDiskOptions.Default))
        {
            var ex = Assert.Throws<IOException>(() => PublishedDisk.Open(image.Open(), cache, PublishedDiskOptions.Default));
            Assert.Contains("in use by another published disk", ex.Message, StringComparison.Ordinal);
        }

        await using var again = PublishedDisk.Open(image.Open(), cache, PublishedDiskOptions.Default);
        Assert.Equal(image.Length, again.Length);
    }

    [Fact]
    public async Task A_cache_made_for_another_disk_is_refused()
    {
        using var folder = new TestFolder(onDisk: false);
        var small = BaseImage.Create(folder.Combine("small.raw"), 64 * 1024, 42);
        var large = BaseImage.Create(folder.Combine("large.raw"), 128 * 1024, 42);
        string cache = folder.Combine("cache");
        await using (PublishedDisk.Open(small.Open(), cache, PublishedDiskOptions.Default))
        {
        }

        var ex = Assert.Throws<InvalidDataException>(() => PublishedDisk.Open(large.Open(), cache, PublishedDiskOptions.Default));
        Assert.Contains("belongs to another restore point", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cache_without_its_data_file_is_refused()
    {
        using var folder = new TestFolder(onDisk: false);
        var image = BaseImage.Create(folder.Combine("base.raw"), 64 * 1024, 43);
        string cache = folder.Combine("cache");
        await using (PublishedDisk.Open(image.Open(), cache, PublishedDiskOptions.Default))
        {
        }

        File.Delete(Path.Combine(cache, "writes.data"));
        var ex = Assert.Throws<InvalidDataException>(() => PublishedDisk.Open(image.Open(), cache, PublishedDiskOptions.Default));
        Assert.Contains("data file is missing", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cache_folder_that_cannot_be_created_says_so()
    {
        using var folder = new TestFolder(onDisk: false);
        var image = BaseImage.Create(folder.Combine("base.raw"), 64 * 1024, 44);
        string underAFile = Path.Combine(image.Path, "cache");
        var ex = Assert.Throws<IOException>(() => PublishedDisk.Open(image.Open(), underAFile, PublishedDiskOptions.Default));
        Assert.Contains("cannot be created", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_impossible_cluster_size_is_refused()
    {
        using var folder = new TestFolder(onDisk: false);
        var image = BaseImage.Create(folder.Combine("base.raw"), 64 * 1024, 45);
        using var baseDisk = image.Open();
        Assert.Throws<ArgumentOutOfRangeException>(() => PublishedDisk.Open(baseDisk, folder.Combine("cache"), new PublishedDiskOptions { ClusterSize = 5000 }));
    }

    [Fact]
    public async Task A_full_cache_file_system_fails_the_write_with_a_clear_message_and_keeps_serving()
    {
        using var folder = new TestFolder(onDisk: true);
        using var small = SmallFileSystem.TryMount(folder.Combine("small"), megabytes: 1);
        if (small is null)
        {
            output.WriteLine("Not run: mounting a 1 MiB tmpfs needs root.");
            return;
        }

        var image = BaseImage.Create(folder.Combine("base.raw"), 4 * 1024 * 1024, 46);
        await using var disk = PublishedDisk.Open(image.Open(), Path.Combine(small.Path, "cache"), new PublishedDiskOptions { ClusterSize = 65536 });
        var data = new byte[65536];
        new Random(46).NextBytes(data);
        var expected = (byte[])image.Content.Clone();
        IOException? full = null;
        for (int i = 0; i < 64 && full is null; i++)
        {
            try
            {
                await disk.WriteAsync(i * 65536L, data, WriteStability.FileSync);
                data.CopyTo(expected, i * 65536L);
            }
            catch (IOException ex)
            {
                full = ex;
            }
        }

        Assert.NotNull(full);
        Assert.Contains("is full", full.Message, StringComparison.Ordinal);
        Assert.Contains("free space", full.Message, StringComparison.Ordinal);
        await DiskAssert.ContentEqualAsync(expected, disk);
    }

    [Fact]
    public async Task Hydrated_copies_give_their_space_to_writes_when_the_file_system_is_full()
    {
        using var folder = new TestFolder(onDisk: true);
        using var small = SmallFileSystem.TryMount(folder.Combine("small"), megabytes: 2);
        if (small is null)
        {
            output.WriteLine("Not run: mounting a 2 MiB tmpfs needs root.");
            return;
        }

        var image = BaseImage.Create(folder.Combine("base.raw"), 4 * 1024 * 1024, 47);
        var options = new PublishedDiskOptions { ClusterSize = 65536, Hydration = true, HydrationFreeSpaceReserve = 0, ReadAheadBytes = 0 };
        await using var disk = PublishedDisk.Open(image.Open(), Path.Combine(small.Path, "cache"), options);
        await DiskAssert.ContentEqualAsync(image.Content, disk); // hydrates until the tmpfs is full
        await disk.HydrationIdle;
        Assert.True(disk.Stats.HydratedClusters > 8, $"only {disk.Stats.HydratedClusters} clusters hydrated");

        var data = new byte[1536 * 1024]; // more than the tmpfs has left beside the hydrated copies
        new Random(47).NextBytes(data);
        await disk.WriteAsync(1024 * 1024, data, WriteStability.FileSync);
        Assert.Equal(0, disk.Stats.HydratedClusters);

        var expected = (byte[])image.Content.Clone();
        data.CopyTo(expected, 1024 * 1024);
        await DiskAssert.ContentEqualAsync(expected, disk);
    }
}
