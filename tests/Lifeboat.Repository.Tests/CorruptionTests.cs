using Lifeboat.Repository.Tests.Support;

namespace Lifeboat.Repository.Tests;

public class CorruptionTests
{
    private const int BlockSize = 64 * 1024;

    [Theory]
    [InlineData(CompressionCodec.Zstd, null)]
    [InlineData(CompressionCodec.None, "pw")]
    public async Task Flipped_byte_in_a_pack_is_found_named_and_contained(CompressionCodec codec, string? password)
    {
        using var dir = new TestFolder();
        var damagedContent = SampleImages.Write(dir.Combine("a.img"), 1024 * 1024, seed: 30, BlockSize, SampleImages.Kind.Random, SampleImages.Kind.Text);
        var healthyContent = SampleImages.Write(dir.Combine("b.img"), 1024 * 1024, seed: 31, BlockSize, SampleImages.Kind.Text, SampleImages.Kind.Random);
        using var repository = RepositoryFixture.Create(dir, BlockSize, codec, password);
        var damaged = await RepositoryFixture.BackupAsync(repository, "a", dir.Combine("a.img"));
        var packsBefore = RepositoryFixture.PackFiles(repository.Path).ToHashSet();
        var healthy = await RepositoryFixture.BackupAsync(repository, "b", dir.Combine("b.img"));
        string pack = Assert.Single(packsBefore);
        RepositoryFixture.FlipByte(pack, 52 + 100);

        var report = await repository.VerifyAsync();

        Assert.False(report.Ok);
        var bad = Assert.Single(report.BadChunks);
        var affected = Assert.Single(bad.Affected);
        Assert.Equal(damaged.Id, affected.RestorePointId);
        Assert.Equal(0, affected.DiskIndex);
        long offset = Assert.Single(affected.Offsets);
        Assert.Equal(0, offset % BlockSize);
        Assert.Contains(password is null ? "checksum" : "checksum", bad.Reason, StringComparison.Ordinal);

        using (var disk = repository.OpenDisk(damaged.Id, 0))
        {
            var error = Assert.Throws<CorruptChunkException>(() => disk.Read(offset + 10, new byte[100]));
            Assert.Equal(bad.ChunkId, error.ChunkId);
            Assert.Equal(offset, error.DiskOffset);
            Assert.Contains($"offset {offset}", error.Message, StringComparison.Ordinal);
            var wide = new byte[4 * BlockSize];
            long wideOffset = Math.Max(0, offset - BlockSize);
            var wideError = await Assert.ThrowsAsync<CorruptChunkException>(async () => await disk.ReadAsync(wideOffset, wide));
            Assert.Equal(offset, wideError.DiskOffset);
            var other = new byte[BlockSize];
            long otherOffset = offset == 0 ? BlockSize : 0;
            Assert.Equal(BlockSize, disk.Read(otherOffset, other));
            Assert.Equal(damagedContent.AsSpan((int)otherOffset, BlockSize).ToArray(), other);
        }

        var restoreError = await Assert.ThrowsAsync<RepositoryException>(() => RepositoryFixture.RestoreAsync(repository, damaged.Id, dir.Combine("fail")));
        Assert.Contains($"offset {offset}", restoreError.Message, StringComparison.Ordinal);
        Assert.Contains("a.img", restoreError.Message, StringComparison.Ordinal);
        Assert.Empty(RepositoryFixture.Files(dir.Combine("fail")));

        var partial = await RepositoryFixture.RestoreAsync(repository, damaged.Id, dir.Combine("partial"), continueOnError: true);
        var range = Assert.Single(partial.BadRanges);
        Assert.Equal(new BadRange(0, offset, BlockSize, bad.ChunkId, range.Reason), range);
        var expected = damagedContent.ToArray();
        Array.Clear(expected, (int)offset, BlockSize);
        SampleImages.AssertFileEquals(expected, partial.Files[0]);

        SampleImages.AssertFileEquals(healthyContent, (await RepositoryFixture.RestoreAsync(repository, healthy.Id, dir.Combine("healthy"))).Files[0]);
        Assert.True((await repository.VerifyAsync(healthy.Id)).Ok);
        Assert.False((await repository.VerifyAsync(damaged.Id)).Ok);
    }

    [Fact]
    public async Task Missing_pack_makes_verify_list_its_chunks_and_restore_fail()
    {
        using var dir = new TestFolder();
        SampleImages.Write(dir.Combine("a.img"), 512 * 1024, seed: 32, BlockSize, SampleImages.Kind.Random);
        using var repository = RepositoryFixture.Create(dir, BlockSize);
        var point = await RepositoryFixture.BackupAsync(repository, "a", dir.Combine("a.img"));
        File.Delete(Assert.Single(RepositoryFixture.PackFiles(repository.Path)));

        var report = await repository.VerifyAsync();

        Assert.Equal(8, report.BadChunks.Count);
        Assert.All(report.BadChunks, c => Assert.Contains("missing", c.Reason, StringComparison.Ordinal));
        Assert.Equal(
            Enumerable.Range(0, 8).Select(i => (long)i * BlockSize),
            report.BadChunks.SelectMany(c => c.Affected).SelectMany(a => a.Offsets).Order());
        var error = await Assert.ThrowsAsync<RepositoryException>(() => RepositoryFixture.RestoreAsync(repository, point.Id, dir.Combine("out")));
        Assert.Contains("offset", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Damaged_index_file_is_reported_with_the_chunks_it_hid()
    {
        using var dir = new TestFolder();
        SampleImages.Write(dir.Combine("a.img"), 256 * 1024, seed: 33, BlockSize, SampleImages.Kind.Random);
        string repositoryPath;
        using (var repository = RepositoryFixture.Create(dir, BlockSize))
        {
            await RepositoryFixture.BackupAsync(repository, "a", dir.Combine("a.img"));
            repositoryPath = repository.Path;
        }

        string index = Assert.Single(Directory.GetFiles(Path.Combine(repositoryPath, "index")));
        RepositoryFixture.FlipByte(index, 30);
        using var reopened = BackupRepository.Open(repositoryPath, password: null);

        var report = await reopened.VerifyAsync();

        Assert.Equal(index, Assert.Single(report.DamagedFiles).Path);
        Assert.Equal(4, report.BadChunks.Count);
        Assert.All(report.BadChunks, c => Assert.Contains("missing", c.Reason, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Damaged_manifest_is_reported_and_stops_retention()
    {
        using var dir = new TestFolder();
        SampleImages.Write(dir.Combine("a.img"), 256 * 1024, seed: 34, BlockSize, SampleImages.Kind.Random);
        using var repository = RepositoryFixture.Create(dir, BlockSize);
        var point = await RepositoryFixture.BackupAsync(repository, "a", dir.Combine("a.img"));
        string manifest = Path.Combine(repository.Path, "restore-points", point.Id + ".rp");
        using var fresh = BackupRepository.Open(repository.Path, null);
        RepositoryFixture.FlipByte(manifest, 40);

        var report = await fresh.VerifyAsync();
        var retention = await Assert.ThrowsAsync<RepositoryException>(() => fresh.ApplyRetentionAsync("a", 1));

        Assert.Equal(manifest, Assert.Single(report.DamagedFiles).Path);
        Assert.Empty(fresh.ListRestorePoints());
        Assert.Contains("damaged", retention.Message, StringComparison.Ordinal);
        Assert.Single(RepositoryFixture.PackFiles(repository.Path));
    }
}
