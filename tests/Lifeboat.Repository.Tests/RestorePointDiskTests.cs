using Lifeboat.Repository.Tests.Support;

namespace Lifeboat.Repository.Tests;

public class RestorePointDiskTests
{
    [Theory]
    [InlineData(16 * 1024, CompressionCodec.Lz4, 0L)]
    [InlineData(64 * 1024, CompressionCodec.Zstd, 4L * 64 * 1024)]
    [InlineData(256 * 1024, CompressionCodec.Zstd, RestorePointDisk.DefaultCacheBytes)]
    [InlineData(64 * 1024, CompressionCodec.None, 1L << 20)]
    public async Task Concurrent_random_reads_match_the_source(int blockSize, CompressionCodec codec, long cacheBytes)
    {
        using var dir = new TestFolder();
        var content = SampleImages.WriteMixed(dir.Combine("disk.img"), (4 * 1024 * 1024) - 777, seed: 70);
        using var repository = RepositoryFixture.Create(dir, blockSize, codec);
        var point = await RepositoryFixture.BackupAsync(repository, "vm", dir.Combine("disk.img"));
        using var disk = repository.OpenDisk(point.Id, 0, cacheBytes);

        Assert.Equal(content.Length, disk.Length);
        Assert.Equal(blockSize, disk.BlockSize);
        var workers = Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
        {
            var random = new Random(worker);
            var buffer = new byte[300 * 1024];
            for (int i = 0; i < 300; i++)
            {
                long offset = random.NextInt64(content.Length + 1000);
                int length = random.Next(4) == 0 ? random.Next(buffer.Length) : 4096;
                int read = i % 2 == 0
                    ? disk.Read(offset, buffer.AsSpan(0, length))
                    : await disk.ReadAsync(offset, buffer.AsMemory(0, length));
                int expected = (int)Math.Clamp(content.Length - offset, 0, length);
                Assert.Equal(expected, read);
                Assert.True(
                    buffer.AsSpan(0, read).SequenceEqual(content.AsSpan((int)Math.Min(offset, content.Length), read)),
                    $"Read of {length} bytes at {offset} differs from the source.");
            }
        })).ToArray();

        await Task.WhenAll(workers);
    }

    [Fact]
    public async Task Whole_disk_reads_warm_and_after_clearing_the_cache_are_identical()
    {
        using var dir = new TestFolder();
        var content = SampleImages.WriteMixed(dir.Combine("disk.img"), 2 * 1024 * 1024, seed: 71);
        using var repository = RepositoryFixture.Create(dir, 64 * 1024);
        var point = await RepositoryFixture.BackupAsync(repository, "vm", dir.Combine("disk.img"));
        using var disk = repository.OpenDisk("latest", 0);
        var first = new byte[content.Length];
        var second = new byte[content.Length];

        Assert.Equal(content.Length, disk.Read(0, first));
        Assert.Equal(content.Length, disk.Read(0, second));
        disk.ClearCache();
        var third = new byte[content.Length];
        Assert.Equal(content.Length, disk.Read(0, third));

        Assert.Equal(content, first);
        Assert.Equal(content, second);
        Assert.Equal(content, third);
        Assert.Equal(0, disk.Read(content.Length, new byte[10]));
        Assert.Equal(point.Id, disk.RestorePointId);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(RestorePointDisk.DefaultCacheBytes)]
    public async Task Large_cold_reads_spread_over_cores_match_the_source(long cacheBytes)
    {
        using var dir = new TestFolder();
        var content = SampleImages.WriteMixed(dir.Combine("disk.img"), (3 * 1024 * 1024) + 4321, seed: 74);
        using var repository = RepositoryFixture.Create(dir, 64 * 1024);
        await RepositoryFixture.BackupAsync(repository, "vm", dir.Combine("disk.img"));
        using var disk = repository.OpenDisk("latest", 0, cacheBytes);
        var buffer = new byte[(1024 * 1024) + 100];

        // Unaligned reads of many blocks, cold then warm, cover the first and last partial block of each read.
        for (int pass = 0; pass < 2; pass++)
        {
            for (long offset = 17; offset < content.Length; offset += buffer.Length - 3)
            {
                int read = await disk.ReadAsync(offset, buffer);
                int expected = (int)Math.Min(buffer.Length, content.Length - offset);
                Assert.Equal(expected, read);
                Assert.True(buffer.AsSpan(0, read).SequenceEqual(content.AsSpan((int)offset, read)), $"Read at {offset} differs from the source.");
            }
        }
    }

    [Fact]
    public async Task Open_disk_keeps_working_after_its_repository_object_is_disposed()
    {
        using var dir = new TestFolder();
        var content = SampleImages.WriteMixed(dir.Combine("disk.img"), 1024 * 1024, seed: 73);
        var repository = RepositoryFixture.Create(dir, 64 * 1024, CompressionCodec.Lz4, password: "pw");
        var point = await RepositoryFixture.BackupAsync(repository, "vm", dir.Combine("disk.img"));
        using var disk = repository.OpenDisk(point.Id, 0, cacheBytes: 0);
        repository.Dispose();

        var buffer = new byte[content.Length];
        Assert.Equal(content.Length, disk.Read(0, buffer));

        Assert.Equal(content, buffer);
    }

    [Fact]
    public async Task Opening_a_missing_disk_index_is_a_clear_error()
    {
        using var dir = new TestFolder();
        SampleImages.WriteMixed(dir.Combine("disk.img"), 128 * 1024, seed: 72);
        using var repository = RepositoryFixture.Create(dir);
        var point = await RepositoryFixture.BackupAsync(repository, "vm", dir.Combine("disk.img"));

        var error = Assert.Throws<RepositoryException>(() => repository.OpenDisk(point.Id, 3));

        Assert.Contains("disk 3 does not exist", error.Message, StringComparison.Ordinal);
    }
}
