using System.Text;
using Lifeboat.Repository.Format;
using Lifeboat.Repository.Tests.Support;

namespace Lifeboat.Repository.Tests;

public class RepositoryErrorTests
{
    [Fact]
    public void Folder_without_config_is_not_a_repository()
    {
        using var dir = new TestFolder();
        string path = dir.Combine("empty");
        Directory.CreateDirectory(path);

        var error = Assert.Throws<RepositoryException>(() => BackupRepository.Open(path, null));
        var missing = Assert.Throws<RepositoryException>(() => BackupRepository.Open(dir.Combine("nothing-here"), null));

        Assert.Equal($"'{path}' is not a Lifeboat repository (no config file); initialize one there first.", error.Message);
        Assert.Equal(RepositoryRemedy.Initialize, error.Remedy);
        Assert.Contains("is not a Lifeboat repository", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Newer_format_version_asks_to_upgrade()
    {
        using var dir = new TestFolder();
        RepositoryFixture.Create(dir).Dispose();
        string config = dir.Combine("repo", "config");
        string json = Encoding.UTF8.GetString(File.ReadAllBytes(config).AsSpan(Envelope.HeaderLength..^Envelope.TrailerLength))
            .Replace("\"formatVersion\":1", "\"formatVersion\":7", StringComparison.Ordinal);
        File.WriteAllBytes(config, Envelope.Encode(EnvelopeMagic.Config, 1, Encoding.UTF8.GetBytes(json), cipher: null));

        var error = Assert.Throws<RepositoryException>(() => BackupRepository.Open(dir.Combine("repo"), null));
        File.WriteAllBytes(config, Envelope.Encode(EnvelopeMagic.Config, 3, "{}"u8, cipher: null));
        var envelopeError = Assert.Throws<RepositoryException>(() => BackupRepository.Open(dir.Combine("repo"), null));

        Assert.Equal($"Repository '{dir.Combine("repo")}' uses format version 7; this Lifeboat reads versions up to 1: upgrade Lifeboat.", error.Message);
        Assert.Contains("uses format version 3", envelopeError.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Damaged_config_is_named()
    {
        using var dir = new TestFolder();
        RepositoryFixture.Create(dir).Dispose();
        string config = dir.Combine("repo", "config");
        var bytes = File.ReadAllBytes(config);
        bytes[20] ^= 1;
        File.WriteAllBytes(config, bytes);

        var error = Assert.Throws<RepositoryException>(() => BackupRepository.Open(dir.Combine("repo"), null));

        Assert.Contains("config file", error.Message, StringComparison.Ordinal);
        Assert.Contains("damaged", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(8 * 1024)]
    [InlineData(8 * 1024 * 1024)]
    [InlineData(3 * 64 * 1024)]
    public void Block_size_must_be_a_power_of_two_in_range(int blockSize)
    {
        using var dir = new TestFolder();

        var error = Assert.Throws<RepositoryException>(() => BackupRepository.Init(dir.Combine("repo"), new RepositoryOptions(blockSize), null));

        Assert.Contains("power of two", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.Combine("repo")));
    }

    [Fact]
    public void Init_refuses_an_existing_repository_or_a_non_empty_folder()
    {
        using var dir = new TestFolder();
        RepositoryFixture.Create(dir).Dispose();
        File.WriteAllText(dir.Combine("file.txt"), "x");

        Assert.Contains("already a Lifeboat repository", Assert.Throws<RepositoryException>(() => BackupRepository.Init(dir.Combine("repo"), new RepositoryOptions(), null)).Message, StringComparison.Ordinal);
        Assert.Contains("not an empty folder", Assert.Throws<RepositoryException>(() => BackupRepository.Init(dir.Path, new RepositoryOptions(), null)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_disk_file_is_named()
    {
        using var dir = new TestFolder();
        using var repository = RepositoryFixture.Create(dir);
        string disk = dir.Combine("nope.img");

        var error = await Assert.ThrowsAsync<RepositoryException>(() => RepositoryFixture.BackupAsync(repository, "vm", disk));

        Assert.Equal($"Disk file '{disk}' does not exist.", error.Message);
        Assert.Empty(repository.ListRestorePoints());
    }

    [Fact]
    public async Task Disk_that_vanishes_mid_backup_fails_and_leaves_nothing_behind()
    {
        using var dir = new TestFolder();
        var earlierContent = SampleImages.WriteMixed(dir.Combine("earlier.img"), 512 * 1024, seed: 40);
        var content = SampleImages.Write(dir.Combine("disk.img"), 8 * 1024 * 1024, seed: 41, 64 * 1024, SampleImages.Kind.Random);
        using var repository = RepositoryFixture.Create(dir);
        var earlier = await RepositoryFixture.BackupAsync(repository, "vm", dir.Combine("earlier.img"));
        var packsBefore = RepositoryFixture.PackFiles(repository.Path);
        repository.DiskOpener = path => new ScriptedDiskSource(path, content, failAfterBytes: 5 * 1024 * 1024);

        var error = await Assert.ThrowsAsync<RepositoryException>(() => RepositoryFixture.BackupAsync(repository, "vm", dir.Combine("disk.img")));

        Assert.Equal($"Disk file '{dir.Combine("disk.img")}' vanished or shrank during the backup; nothing of this backup was kept.", error.Message);
        Assert.Equal([earlier.Id], repository.ListRestorePoints().Select(p => p.Id));
        Assert.Equal(packsBefore, RepositoryFixture.PackFiles(repository.Path));
        Assert.Empty(RepositoryFixture.Files(Path.Combine(repository.Path, "tmp")));
        Assert.True((await repository.VerifyAsync()).Ok);
        SampleImages.AssertFileEquals(earlierContent, (await RepositoryFixture.RestoreAsync(repository, earlier.Id, dir.Combine("out"))).Files[0]);
    }

    [Fact]
    public async Task Cancelled_backup_leaves_nothing_behind()
    {
        using var dir = new TestFolder();
        SampleImages.Write(dir.Combine("disk.img"), 8 * 1024 * 1024, seed: 42, 64 * 1024, SampleImages.Kind.Random);
        using var repository = RepositoryFixture.Create(dir);
        using var cts = new CancellationTokenSource();
        var progress = new SynchronousProgress<BackupProgress>(p =>
        {
            if (p.BytesStored > 0)
            {
                cts.Cancel();
            }
        });
        repository.PackStagedHook = _ => cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => repository.BackupAsync(new BackupRequest("vm", [dir.Combine("disk.img")]), progress, cts.Token));

        Assert.Empty(repository.ListRestorePoints());
        Assert.Empty(RepositoryFixture.PackFiles(repository.Path));
        Assert.Empty(RepositoryFixture.Files(Path.Combine(repository.Path, "tmp")));
        Assert.Empty(RepositoryFixture.Files(Path.Combine(repository.Path, "index")));
    }

    [Theory]
    [InlineData("does-not-exist")]
    [InlineData("../../etc/passwd")]
    [InlineData("latest")]
    public void Unknown_restore_point_is_named(string id)
    {
        using var dir = new TestFolder();
        using var repository = RepositoryFixture.Create(dir);

        var error = Assert.Throws<RepositoryException>(() => repository.GetRestorePoint(id));

        Assert.Contains(id == "latest" ? "no restore points" : $"No restore point '{id}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_vm_config_is_refused_before_anything_is_written()
    {
        using var dir = new TestFolder();
        SampleImages.WriteMixed(dir.Combine("disk.img"), 128 * 1024, seed: 43);
        await File.WriteAllTextAsync(dir.Combine("vm.txt"), "cpus=2");
        using var repository = RepositoryFixture.Create(dir);

        var error = await Assert.ThrowsAsync<RepositoryException>(() => repository.BackupAsync(new BackupRequest("vm", [dir.Combine("disk.img")], dir.Combine("vm.txt"))));

        Assert.StartsWith($"VM configuration file '{dir.Combine("vm.txt")}' cannot be used", error.Message, StringComparison.Ordinal);
        Assert.Empty(RepositoryFixture.PackFiles(repository.Path));
    }
}
