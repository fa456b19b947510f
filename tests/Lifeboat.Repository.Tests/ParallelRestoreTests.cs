using Lifeboat.Repository.DiskImages;
using Lifeboat.Repository.Tests.Support;

namespace Lifeboat.Repository.Tests;

/// <summary>Backups and restores that spread blocks over several threads: the result is the same disk, holes and damage included.</summary>
public class ParallelRestoreTests
{
    private const int BlockSize = 64 * 1024;

    [Fact]
    public async Task A_parallel_backup_restores_bit_exact_with_holes_exactly_where_blocks_were_zero()
    {
        using var dir = new TestFolder();
        string image = dir.Combine("disk.img");
        var content = WriteZerosRepeatsAndRandom(image, (200 * BlockSize) + 12345);
        using var repository = RepositoryFixture.Create(dir, BlockSize);
        repository.BackupWorkers = 4;

        var point = await RepositoryFixture.BackupAsync(repository, "vm", image);
        var result = await RepositoryFixture.RestoreAsync(repository, point.Id, dir.Combine("out"));

        SampleImages.AssertFileEquals(content, result.Files[0]);
        var zero = Enumerable.Range(0, 201).Select(b => content.AsSpan(b * BlockSize, Math.Min(BlockSize, content.Length - (b * BlockSize))).IndexOfAnyExcept((byte)0) < 0).ToArray();
        Assert.Equal(zero.Count(z => z), point.Disks[0].ZeroBlocks);
        Assert.Equal(content.Length - (zero.Count(z => z) * (long)BlockSize), result.BytesWritten);
        var data = DataRanges(result.Files[0], content.Length);
        for (int b = 0; b < zero.Length; b++)
        {
            long offset = (long)b * BlockSize;
            bool isData = data.Any(r => r.Offset <= offset && offset < r.Offset + r.Length);
            Assert.True(isData != zero[b], $"Block {b} ({(zero[b] ? "zeros" : "data")}) is {(isData ? "data" : "a hole")} in the restored file.");
        }
    }

    [Fact]
    public async Task A_parallel_restore_names_the_first_damaged_block_and_zero_fills_every_damaged_one()
    {
        using var dir = new TestFolder();
        var content = SampleImages.Write(dir.Combine("a.img"), 128 * BlockSize, seed: 41, BlockSize, SampleImages.Kind.Random);
        using var repository = RepositoryFixture.Create(dir, BlockSize);
        var point = await RepositoryFixture.BackupAsync(repository, "a", dir.Combine("a.img"));
        var packs = RepositoryFixture.PackFiles(repository.Path).Order(StringComparer.Ordinal).ToArray();
        Assert.True(packs.Length >= 3, $"Expected several packs, found {packs.Length}.");
        RepositoryFixture.FlipByte(packs[0], 52 + 100);
        RepositoryFixture.FlipByte(packs[^1], 52 + 100);
        var damaged = (await repository.VerifyAsync()).BadChunks.SelectMany(c => c.Affected).SelectMany(a => a.Offsets).Order().ToArray();
        Assert.Equal(2, damaged.Length);

        var error = await Assert.ThrowsAsync<RepositoryException>(() => RepositoryFixture.RestoreAsync(repository, point.Id, dir.Combine("fail")));
        var partial = await RepositoryFixture.RestoreAsync(repository, point.Id, dir.Combine("partial"), continueOnError: true);

        Assert.Contains($"damaged at offset {damaged[0]} ", error.Message, StringComparison.Ordinal);
        Assert.Empty(RepositoryFixture.Files(dir.Combine("fail")));
        Assert.Equal(damaged, partial.BadRanges.Select(r => r.Offset));
        Assert.All(partial.BadRanges, r => Assert.Equal(BlockSize, r.Length));
        var expected = content.ToArray();
        foreach (long offset in damaged)
        {
            Array.Clear(expected, (int)offset, BlockSize);
        }

        SampleImages.AssertFileEquals(expected, partial.Files[0]);
        Assert.Equal(content.Length - (2L * BlockSize), partial.BytesWritten);
    }

    /// <summary>Blocks cycle through zeros (written), random, text, a repeat of the block two before, a hole and random.</summary>
    private static byte[] WriteZerosRepeatsAndRandom(string path, int length)
    {
        var content = new byte[length];
        var random = new Random(40);
        var holes = new List<int>();
        for (int b = 0; b * BlockSize < length; b++)
        {
            var block = content.AsSpan(b * BlockSize, Math.Min(BlockSize, length - (b * BlockSize)));
            switch (b % 6)
            {
                case 1 or 5:
                    random.NextBytes(block);
                    break;
                case 2:
                    SampleImages.FillText(block, random);
                    break;
                case 3:
                    content.AsSpan((b - 2) * BlockSize, block.Length).CopyTo(block);
                    break;
                case 4:
                    holes.Add(b);
                    break;
            }
        }

        using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        file.SetLength(length);
        for (int b = 0; b * BlockSize < length; b++)
        {
            if (!holes.Contains(b))
            {
                file.Position = (long)b * BlockSize;
                file.Write(content.AsSpan(b * BlockSize, Math.Min(BlockSize, length - (b * BlockSize))));
            }
        }

        return content;
    }

    /// <summary>The file's data ranges as lseek(SEEK_DATA) and lseek(SEEK_HOLE) walk them.</summary>
    private static List<(long Offset, long Length)> DataRanges(string path, long length)
    {
        using var handle = File.OpenHandle(path);
        int fd = (int)handle.DangerousGetHandle();
        var ranges = new List<(long, long)>();
        long position = 0;
        while (position < length)
        {
            long start = NativeMethods.LSeek(fd, position, NativeMethods.SeekData);
            if (start < 0)
            {
                break;
            }

            long end = NativeMethods.LSeek(fd, start, NativeMethods.SeekHole);
            ranges.Add((start, end - start));
            position = end;
        }

        return ranges;
    }
}
