using Lifeboat.Repository.Tests.Support;

namespace Lifeboat.Repository.Tests;

public class PresenceCheckTests
{
    private const int BlockSize = 64 * 1024;

    [Fact]
    public async Task A_whole_restore_point_is_present_and_its_counts_match_what_was_stored()
    {
        using var dir = new TestFolder();
        // 16 blocks: 4 random, 4 text, 4 zero, 4 hole; the text blocks repeat one seed's text, so some dedup.
        SampleImages.Write(dir.Combine("a.img"), 16 * BlockSize, seed: 40, BlockSize, SampleImages.Kind.Random, SampleImages.Kind.Text, SampleImages.Kind.Zeros, SampleImages.Kind.Hole);
        using var repository = RepositoryFixture.Create(dir, BlockSize);
        var point = await RepositoryFixture.BackupAsync(repository, "a", dir.Combine("a.img"));

        var report = repository.CheckChunksPresent(point.Id);

        Assert.True(report.Ok);
        Assert.Empty(report.Missing);
        Assert.Equal(16, report.Blocks);
        Assert.Equal(8, report.ZeroBlocks);
        Assert.Equal(1, report.Packs);
        Assert.InRange(report.Chunks, 5, 8);
        Assert.Equal(repository.GetStats().StoredBytes, report.StoredBytes);
    }

    [Fact]
    public async Task A_missing_pack_names_each_chunk_with_its_offsets_and_leaves_other_restore_points_whole()
    {
        using var dir = new TestFolder();
        using var repository = RepositoryFixture.Create(dir, BlockSize);
        var a = await BackupRandomAsync(repository, dir, "a", blocks: 8, seed: 41);
        var packOfA = Assert.Single(RepositoryFixture.PackFiles(repository.Path));
        var b = await BackupRandomAsync(repository, dir, "b", blocks: 8, seed: 42);
        File.Delete(packOfA);

        var report = repository.CheckChunksPresent(a.Id);

        Assert.False(report.Ok);
        Assert.Equal(8, report.MissingChunks);
        Assert.All(report.Missing, c => Assert.Contains(packOfA, c.Reason, StringComparison.Ordinal));
        Assert.Equal(
            Enumerable.Range(0, 8).Select(i => (long)i * BlockSize),
            report.Missing.SelectMany(c => c.Affected).SelectMany(d => d.Offsets).Order());
        Assert.True(repository.CheckChunksPresent(b.Id).Ok);
    }

    [Fact]
    public async Task A_truncated_pack_fails_only_for_the_chunks_past_its_end()
    {
        using var dir = new TestFolder();
        using var repository = RepositoryFixture.Create(dir, BlockSize);
        var point = await BackupRandomAsync(repository, dir, "a", blocks: 8, seed: 43);
        var pack = Assert.Single(RepositoryFixture.PackFiles(repository.Path));
        using (var file = new FileStream(pack, FileMode.Open, FileAccess.Write))
            file.SetLength(file.Length - 100);

        var report = repository.CheckChunksPresent(point.Id);

        Assert.False(report.Ok);
        var bad = Assert.Single(report.Missing);
        Assert.Contains("ends at byte", bad.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_chunk_whose_index_file_is_gone_is_reported_as_in_no_index()
    {
        using var dir = new TestFolder();
        using var repository = RepositoryFixture.Create(dir, BlockSize);
        var point = await BackupRandomAsync(repository, dir, "a", blocks: 4, seed: 44);
        File.Delete(Assert.Single(Directory.GetFiles(Path.Combine(repository.Path, "index"))));

        var report = repository.CheckChunksPresent(point.Id);

        Assert.Equal(4, report.MissingChunks);
        Assert.All(report.Missing, c => Assert.Equal("is in no pack index", c.Reason));
    }

    [Fact]
    public async Task A_flipped_byte_is_not_what_presence_checks_and_verify_still_finds_it()
    {
        using var dir = new TestFolder();
        using var repository = RepositoryFixture.Create(dir, BlockSize);
        var point = await BackupRandomAsync(repository, dir, "a", blocks: 4, seed: 45);
        using (var file = new FileStream(Assert.Single(RepositoryFixture.PackFiles(repository.Path)), FileMode.Open, FileAccess.ReadWrite))
        {
            file.Position = 200;
            int value = file.ReadByte();
            file.Position = 200;
            file.WriteByte((byte)(value ^ 0xff));
        }

        Assert.True(repository.CheckChunksPresent(point.Id).Ok);
        Assert.False((await repository.VerifyAsync(point.Id)).Ok);
    }

    [Fact]
    public void An_unknown_restore_point_fails_with_a_repository_error()
    {
        using var dir = new TestFolder();
        using var repository = RepositoryFixture.Create(dir, BlockSize);
        Assert.Throws<RepositoryException>(() => repository.CheckChunksPresent("0123456789ab"));
    }

    private static Task<RestorePointInfo> BackupRandomAsync(BackupRepository repository, TestFolder dir, string vm, int blocks, int seed)
    {
        var image = dir.Combine(vm + ".img");
        SampleImages.Write(image, blocks * BlockSize, seed, BlockSize, SampleImages.Kind.Random);
        return RepositoryFixture.BackupAsync(repository, vm, image);
    }
}
