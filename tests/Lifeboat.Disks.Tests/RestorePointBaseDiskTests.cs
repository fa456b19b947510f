using Lifeboat.Repository;

namespace Lifeboat.Disks.Tests;

/// <summary>A published disk over a real restore point of a real repository.</summary>
public sealed class RestorePointBaseDiskTests
{
    [Fact]
    public async Task A_restore_point_published_with_a_write_cache_reads_and_writes_and_stays_intact()
    {
        using var folder = new TestFolder(onDisk: false);
        var image = BaseImage.Create(folder.Combine("disk0.raw"), (3 * 1024 * 1024) + 4096, 70);
        string repositoryPath = folder.Combine("repo");
        string restorePoint;
        using (var repository = BackupRepository.Init(repositoryPath, new RepositoryOptions(BlockSize: 64 * 1024), password: null))
            restorePoint = (await repository.BackupAsync(new BackupRequest("vm1", [image.Path]))).Id;

        var model = new DiskModel(image.Content);
        string cache = folder.Combine("cache");
        using (var repository = BackupRepository.Open(repositoryPath, password: null))
        {
            var options = new PublishedDiskOptions { ClusterSize = 65536, Hydration = true, DiskName = "vm1/disk0" };
            await using (var disk = PublishedDisk.Open(RestorePointBaseDisk.Open(repository, restorePoint, 0), cache, options))
            {
                await DiskAssert.ContentEqualAsync(model.Content.ToArray(), disk);
                var random = new Random(70);
                for (int i = 0; i < 30; i++)
                {
                    var data = new byte[random.Next(1, 100_000)];
                    random.NextBytes(data);
                    long offset = random.NextInt64(0, model.Length - data.Length);
                    await disk.WriteAsync(offset, data, WriteStability.Unstable);
                    model.Write(offset, data);
                }

                await disk.CommitAsync();
                await DiskAssert.ContentEqualAsync(model.Content.ToArray(), disk);
            }

            await using (var disk = PublishedDisk.Open(RestorePointBaseDisk.Open(repository, restorePoint, 0), cache, options))
                await DiskAssert.ContentEqualAsync(model.Content.ToArray(), disk);

            var report = await repository.VerifyAsync(restorePoint);
            Assert.True(report.Ok);
        }

        // The backup still restores to the original bytes: the published disk never wrote into it.
        using (var repository = BackupRepository.Open(repositoryPath, password: null))
        {
            var result = await repository.RestoreAsync(restorePoint, folder.Combine("restored"), new RestoreOptions());
            Assert.Equal(image.Content, await File.ReadAllBytesAsync(Assert.Single(result.Files)));
        }
    }

    [Fact]
    public async Task A_corrupt_chunk_surfaces_as_an_IOException_naming_the_disk_offset()
    {
        using var folder = new TestFolder(onDisk: false);
        var image = BaseImage.Create(folder.Combine("disk0.raw"), 1024 * 1024, 71);
        string repositoryPath = folder.Combine("repo");
        string restorePoint;
        using (var repository = BackupRepository.Init(repositoryPath, new RepositoryOptions(BlockSize: 64 * 1024, Compression: CompressionCodec.None), password: null))
            restorePoint = (await repository.BackupAsync(new BackupRequest("vm1", [image.Path]))).Id;

        string pack = Directory.EnumerateFiles(Path.Combine(repositoryPath, "packs"), "*.pack", SearchOption.AllDirectories).Single();
        using (var stream = new FileStream(pack, FileMode.Open))
        {
            stream.Position = stream.Length / 2;
            int b = stream.ReadByte();
            stream.Position = stream.Length / 2;
            stream.WriteByte((byte)(b ^ 0xFF));
        }

        using var repo = BackupRepository.Open(repositoryPath, password: null);
        await using var disk = PublishedDisk.Open(RestorePointBaseDisk.Open(repo, restorePoint, 0), folder.Combine("cache"),
            new PublishedDiskOptions { DiskName = "vm1/disk0" });
        var buffer = new byte[image.Length];
        Assert.Null(disk.LastDamagedChunk);
        var ex = await Assert.ThrowsAsync<IOException>(async () => await disk.ReadAsync(0, buffer));
        Assert.Contains("vm1/disk0", ex.Message, StringComparison.Ordinal);
        Assert.Contains("disk offset", ex.Message, StringComparison.Ordinal);
        var corrupt = Assert.IsType<CorruptChunkException>(ex.InnerException);

        // The disk remembers the newest damaged chunk it met, for whoever explains a failed read (a file restore).
        var damaged = Assert.IsType<DamagedChunkRead>(disk.LastDamagedChunk);
        Assert.Equal((0, corrupt.DiskOffset, corrupt.ChunkId, corrupt.Reason, 1L), (damaged.DiskIndex, damaged.DiskOffset, damaged.ChunkId, damaged.Reason, damaged.Count));
        await Assert.ThrowsAsync<IOException>(async () => await disk.ReadAsync(corrupt.DiskOffset, buffer.AsMemory(0, 4096)));
        Assert.Equal(2L, disk.LastDamagedChunk!.Count);
    }

    [Theory]
    [InlineData(CompressionCodec.Zstd)]
    [InlineData(CompressionCodec.None)]
    public async Task Reads_that_keep_whole_blocks_out_of_the_cache_give_the_same_bytes(CompressionCodec codec)
    {
        using var folder = new TestFolder(onDisk: false);
        var image = BaseImage.Create(folder.Combine("disk0.raw"), (2 * 1024 * 1024) + 5000, 72);
        string repositoryPath = folder.Combine("repo");
        string restorePoint;
        using (var repository = BackupRepository.Init(repositoryPath, new RepositoryOptions(BlockSize: 64 * 1024, Compression: codec), password: null))
            restorePoint = (await repository.BackupAsync(new BackupRequest("vm1", [image.Path]))).Id;

        using var repo = BackupRepository.Open(repositoryPath, password: null);
        using var disk = RestorePointBaseDisk.Open(repo, restorePoint, 0, cacheBytes: 256 * 1024);
        var random = new Random(72);
        var buffer = new byte[400_000];
        for (int i = 0; i < 300; i++)
        {
            // Aligned whole blocks, runs of them, pieces of one, the partial last block; some twice in a row.
            int count = random.Next(4) switch
            {
                0 => 65536 * random.Next(1, 6),
                1 => random.Next(1, 65536),
                _ => random.Next(1, buffer.Length),
            };
            long offset = random.Next(3) == 0 ? random.NextInt64(0, disk.Length / 65536) * 65536 : random.NextInt64(0, disk.Length);
            var target = buffer.AsMemory(0, count);
            int n = random.Next(2) == 0 ? await disk.ReadOnceAsync(offset, target, default) : await disk.ReadAsync(offset, target, default);
            Assert.Equal((int)Math.Min(count, disk.Length - offset), n);
            DiskAssert.AssertSame(image.Content.AsSpan((int)offset, n), buffer.AsSpan(0, n), offset);
        }
    }
}
