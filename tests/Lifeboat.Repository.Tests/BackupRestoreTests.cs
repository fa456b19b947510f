using Lifeboat.Repository.DiskImages;
using Lifeboat.Repository.Tests.Support;

namespace Lifeboat.Repository.Tests;

public class BackupRestoreTests
{
    [Theory]
    [InlineData(CompressionCodec.None, 16 * 1024)]
    [InlineData(CompressionCodec.Lz4, 64 * 1024)]
    [InlineData(CompressionCodec.Zstd, 256 * 1024)]
    [InlineData(CompressionCodec.Zstd, 1024 * 1024)]
    public async Task Several_disks_round_trip_bit_exact(CompressionCodec codec, int blockSize)
    {
        using var dir = new TestFolder();
        var mixed = SampleImages.WriteMixed(dir.Combine("mixed.img"), (3 * 1024 * 1024) + 12345, seed: 1);
        var random = SampleImages.Write(dir.Combine("random.img"), 1024 * 1024, seed: 2, 1024 * 1024, SampleImages.Kind.Random);
        var text = SampleImages.Write(dir.Combine("text.img"), (2 * 1024 * 1024) - 1, seed: 3, 4096, SampleImages.Kind.Text);
        using var repository = RepositoryFixture.Create(dir, blockSize, codec);

        var point = await RepositoryFixture.BackupAsync(repository, "vm1", dir.Combine("mixed.img"), dir.Combine("random.img"), dir.Combine("text.img"));
        var result = await RepositoryFixture.RestoreAsync(repository, point.Id, dir.Combine("out"));

        Assert.Equal([dir.Combine("out", "mixed.raw"), dir.Combine("out", "random.raw"), dir.Combine("out", "text.raw")], result.Files);
        SampleImages.AssertFileEquals(mixed, result.Files[0]);
        SampleImages.AssertFileEquals(random, result.Files[1]);
        SampleImages.AssertFileEquals(text, result.Files[2]);
        Assert.Empty(result.BadRanges);
        Assert.Equal(3, point.Disks.Count);
        Assert.Equal(mixed.Length, point.Disks[0].Size);
        Assert.Equal(blockSize, point.Disks[0].BlockSize);
        Assert.True((await repository.VerifyAsync()).Ok);
    }

    [Fact]
    public async Task Compression_shrinks_text_and_stores_random_data_uncompressed()
    {
        using var dir = new TestFolder();
        SampleImages.Write(dir.Combine("text.img"), 2 * 1024 * 1024, seed: 4, 4096, SampleImages.Kind.Text);
        SampleImages.Write(dir.Combine("random.img"), 2 * 1024 * 1024, seed: 5, 4096, SampleImages.Kind.Random);
        using var repository = RepositoryFixture.Create(dir, 64 * 1024, CompressionCodec.Zstd);

        var text = await RepositoryFixture.BackupAsync(repository, "t", dir.Combine("text.img"));
        var random = await RepositoryFixture.BackupAsync(repository, "r", dir.Combine("random.img"));

        Assert.True(text.StoredBytes < 1024 * 1024, $"2 MiB of text took {text.StoredBytes} bytes.");
        long recordOverhead = 32 * 52;
        Assert.Equal((2 * 1024 * 1024) + recordOverhead, random.StoredBytes);
    }

    [Fact]
    public async Task Zero_blocks_and_holes_are_never_stored_and_restore_sparse()
    {
        using var dir = new TestFolder();
        var content = SampleImages.Write(dir.Combine("sparse.img"), 8 * 1024 * 1024, seed: 6, 1024 * 1024, SampleImages.Kind.Hole, SampleImages.Kind.Zeros, SampleImages.Kind.Hole, SampleImages.Kind.Random);
        using var repository = RepositoryFixture.Create(dir, 64 * 1024);

        var point = await RepositoryFixture.BackupAsync(repository, "vm", dir.Combine("sparse.img"));
        var result = await RepositoryFixture.RestoreAsync(repository, point.Id, dir.Combine("out"));

        Assert.Equal(96, point.Disks[0].ZeroBlocks);
        Assert.Equal(2 * 1024 * 1024, result.BytesWritten);
        SampleImages.AssertFileEquals(content, result.Files[0]);
        using var restored = DiskSource.Open(result.Files[0]);
        long allocated = restored.GetAllocatedRanges().Sum(r => r.Length);
        Assert.True(allocated <= 2 * 1024 * 1024, $"The restored file has {allocated} allocated bytes; zero blocks should be holes.");
    }

    [Fact]
    public async Task All_zero_disk_stores_nothing()
    {
        using var dir = new TestFolder();
        SampleImages.Write(dir.Combine("zero.img"), 3 * 1024 * 1024, seed: 7, 1024 * 1024, SampleImages.Kind.Zeros, SampleImages.Kind.Hole);
        using var repository = RepositoryFixture.Create(dir, 64 * 1024);

        var point = await RepositoryFixture.BackupAsync(repository, "vm", dir.Combine("zero.img"));

        Assert.Equal(0, point.StoredBytes);
        Assert.Equal(48, point.Disks[0].ZeroBlocks);
        Assert.Equal(0, repository.GetStats().Packs);
    }

    [Fact]
    public async Task Second_backup_stores_only_the_changed_blocks()
    {
        using var dir = new TestFolder();
        string disk = dir.Combine("disk.img");
        var original = SampleImages.Write(disk, 4 * 1024 * 1024, seed: 8, 64 * 1024, SampleImages.Kind.Random, SampleImages.Kind.Text);
        var before = original.ToArray();
        using var repository = RepositoryFixture.Create(dir, 64 * 1024);
        var first = await RepositoryFixture.BackupAsync(repository, "vm", disk);

        SampleImages.Scribble(disk, original, 100, 10, seed: 9);
        SampleImages.Scribble(disk, original, (20 * 64 * 1024) + 5, 70000, seed: 10);
        var progress = new List<BackupProgress>();
        var second = await repository.BackupAsync(new BackupRequest("vm", [disk]), new SynchronousProgress<BackupProgress>(progress.Add));

        var last = progress[^1];
        Assert.Equal(3, last.NewChunks);
        Assert.Equal(64 - 3, last.DedupChunks);
        Assert.Equal(original.Length, last.BytesScanned);
        Assert.InRange(second.StoredBytes, 1, 3 * ((64 * 1024) + 52));
        Assert.Equal(first.Id, second.ParentId);
        SampleImages.AssertFileEquals(before, (await RepositoryFixture.RestoreAsync(repository, first.Id, dir.Combine("a"))).Files[0]);
        SampleImages.AssertFileEquals(original, (await RepositoryFixture.RestoreAsync(repository, second.Id, dir.Combine("b"))).Files[0]);
    }

    [Fact]
    public async Task Identical_disks_of_another_vm_are_deduplicated()
    {
        using var dir = new TestFolder();
        SampleImages.WriteMixed(dir.Combine("a.img"), 2 * 1024 * 1024, seed: 11);
        File.Copy(dir.Combine("a.img"), dir.Combine("b.img"));
        using var repository = RepositoryFixture.Create(dir);

        var first = await RepositoryFixture.BackupAsync(repository, "vm-a", dir.Combine("a.img"));
        var second = await RepositoryFixture.BackupAsync(repository, "vm-b", dir.Combine("b.img"));

        Assert.True(first.StoredBytes > 0);
        Assert.Equal(0, second.StoredBytes);
        Assert.Null(second.ParentId);
        SampleImages.AssertFilesEqual(dir.Combine("b.img"), (await RepositoryFixture.RestoreAsync(repository, second.Id, dir.Combine("out"))).Files[0]);
    }

    [Fact]
    public async Task Qcow2_disks_are_backed_up_as_their_virtual_content()
    {
        using var dir = new TestFolder();
        SampleImages.WriteMixed(dir.Combine("disk.raw"), 3 * 1024 * 1024, seed: 12);
        using (var convert = System.Diagnostics.Process.Start("qemu-img", ["convert", "-f", "raw", "-O", "qcow2", dir.Combine("disk.raw"), dir.Combine("disk.qcow2")]))
        {
            await convert.WaitForExitAsync();
            Assert.True(convert.ExitCode == 0, "qemu-img convert failed; install qemu-utils.");
        }

        using var repository = RepositoryFixture.Create(dir);

        var point = await RepositoryFixture.BackupAsync(repository, "vm", dir.Combine("disk.qcow2"));
        var result = await RepositoryFixture.RestoreAsync(repository, point.Id, dir.Combine("out"));

        Assert.Equal("qcow2", point.Disks[0].SourceFormat);
        Assert.Equal(dir.Combine("out", "disk.raw"), result.Files[0]);
        SampleImages.AssertFilesEqual(dir.Combine("disk.raw"), result.Files[0]);
    }

    [Fact]
    public async Task Disks_with_the_same_name_restore_as_diskN()
    {
        using var dir = new TestFolder();
        Directory.CreateDirectory(dir.Combine("x"));
        Directory.CreateDirectory(dir.Combine("y"));
        var a = SampleImages.WriteMixed(dir.Combine("x", "root.img"), 1024 * 1024, seed: 13);
        var b = SampleImages.WriteMixed(dir.Combine("y", "root.img"), 1024 * 1024, seed: 14);
        using var repository = RepositoryFixture.Create(dir);

        var point = await RepositoryFixture.BackupAsync(repository, "vm", dir.Combine("x", "root.img"), dir.Combine("y", "root.img"));
        var result = await RepositoryFixture.RestoreAsync(repository, point.Id, dir.Combine("out"));

        Assert.Equal([dir.Combine("out", "disk0.raw"), dir.Combine("out", "disk1.raw")], result.Files);
        SampleImages.AssertFileEquals(a, result.Files[0]);
        SampleImages.AssertFileEquals(b, result.Files[1]);
    }

    [Fact]
    public async Task Restore_never_overwrites_an_existing_file()
    {
        using var dir = new TestFolder();
        SampleImages.WriteMixed(dir.Combine("disk.img"), 1024 * 1024, seed: 15);
        using var repository = RepositoryFixture.Create(dir);
        var point = await RepositoryFixture.BackupAsync(repository, "vm", dir.Combine("disk.img"));
        Directory.CreateDirectory(dir.Combine("out"));
        await File.WriteAllTextAsync(dir.Combine("out", "disk.raw"), "precious");

        var error = await Assert.ThrowsAsync<RepositoryException>(() => RepositoryFixture.RestoreAsync(repository, point.Id, dir.Combine("out")));

        Assert.Contains("already exists", error.Message, StringComparison.Ordinal);
        Assert.Equal("precious", await File.ReadAllTextAsync(dir.Combine("out", "disk.raw")));
    }

    [Fact]
    public async Task Restore_points_list_sorted_and_latest_resolves_per_vm()
    {
        using var dir = new TestFolder();
        SampleImages.WriteMixed(dir.Combine("disk.img"), 256 * 1024, seed: 16);
        await File.WriteAllTextAsync(dir.Combine("vm.json"), """{"cpus":2,"memoryMiB":512,"diskBus":"virtio","nicModel":"virtio-net","firmware":"bios"}""");
        using var repository = RepositoryFixture.Create(dir);

        var a1 = await repository.BackupAsync(new BackupRequest("a", [dir.Combine("disk.img")], dir.Combine("vm.json")));
        var b1 = await RepositoryFixture.BackupAsync(repository, "b", dir.Combine("disk.img"));
        var a2 = await RepositoryFixture.BackupAsync(repository, "a", dir.Combine("disk.img"));

        Assert.Equal([a1.Id, b1.Id, a2.Id], repository.ListRestorePoints().Select(p => p.Id));
        Assert.Equal([a1.Id, a2.Id], repository.ListRestorePoints("a").Select(p => p.Id));
        Assert.Equal(a2.Id, repository.GetRestorePoint("latest").Id);
        Assert.Equal(b1.Id, repository.GetRestorePoint("latest", "b").Id);
        Assert.Equal(a1.Id, repository.GetRestorePoint(a1.Id).Id);
        Assert.Matches("^[0-9]{8}-[0-9]{6}-[0-9a-f]{4}$", a1.Id);
        var config = repository.GetRestorePoint(a1.Id).VmConfig;
        Assert.NotNull(config);
        Assert.Equal("json", config.Format);
        Assert.Equal(new VmHardware(2, 512, "virtio", "virtio-net", "bios"), config.Hardware);
        Assert.Equal(config, a2.VmConfig);   // carried over from the VM's previous backup
        Assert.Null(b1.VmConfig);
    }

    [Fact]
    public async Task Restore_points_are_listed_by_a_freshly_opened_repository()
    {
        using var dir = new TestFolder();
        var content = SampleImages.WriteMixed(dir.Combine("disk.img"), 1024 * 1024, seed: 17);
        string id;
        using (var repository = RepositoryFixture.Create(dir))
        {
            id = (await RepositoryFixture.BackupAsync(repository, "vm", dir.Combine("disk.img"))).Id;
        }

        using var reopened = BackupRepository.Open(dir.Combine("repo"), password: null);

        Assert.Equal(id, Assert.Single(reopened.ListRestorePoints()).Id);
        Assert.Equal(64 * 1024, reopened.Config.BlockSize);
        Assert.Equal(CompressionCodec.Zstd, reopened.Config.Compression);
        SampleImages.AssertFileEquals(content, (await RepositoryFixture.RestoreAsync(reopened, "latest", dir.Combine("out"))).Files[0]);
    }
}
