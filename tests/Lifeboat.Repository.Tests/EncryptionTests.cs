using System.Text;
using Lifeboat.Repository.Tests.Support;

namespace Lifeboat.Repository.Tests;

public class EncryptionTests
{
    private const string Password = "correct horse battery staple";

    [Fact]
    public async Task Encrypted_repository_round_trips_and_stores_no_plaintext()
    {
        using var dir = new TestFolder();
        var marker = Encoding.ASCII.GetBytes("LIFEBOAT-PLAINTEXT-MARKER-0123456789");
        var content = SampleImages.Write(dir.Combine("disk.img"), 2 * 1024 * 1024, seed: 20, 64 * 1024, SampleImages.Kind.Text, SampleImages.Kind.Random);
        for (int offset = 0; offset < content.Length; offset += 4096)
        {
            marker.CopyTo(content, offset);
        }

        await File.WriteAllBytesAsync(dir.Combine("disk.img"), content);
        await File.WriteAllTextAsync(dir.Combine("vm.json"), """{"cpus":1,"kernel":"LIFEBOAT-PLAINTEXT-MARKER-0123456789"}""");
        string id;
        using (var repository = RepositoryFixture.Create(dir, 64 * 1024, CompressionCodec.None, Password))
        {
            Assert.True(repository.Config.Encrypted);
            id = (await repository.BackupAsync(new BackupRequest("secret-vm", [dir.Combine("disk.img")], dir.Combine("vm.json")))).Id;
        }

        foreach (string file in RepositoryFixture.Files(dir.Combine("repo")))
        {
            var bytes = await File.ReadAllBytesAsync(file);
            Assert.True(bytes.AsSpan().IndexOf(marker.AsSpan(0, 16)) < 0, $"'{file}' contains plaintext.");
            Assert.True(bytes.AsSpan().IndexOf("secret-vm"u8) < 0, $"'{file}' contains the VM name.");
            Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(Password)) < 0, $"'{file}' contains the password.");
        }

        Assert.True(BackupRepository.IsEncrypted(dir.Combine("repo")));
        using var reopened = BackupRepository.Open(dir.Combine("repo"), Password);
        Assert.Equal("secret-vm", reopened.GetRestorePoint(id).Vm);
        var result = await RepositoryFixture.RestoreAsync(reopened, id, dir.Combine("out"));
        SampleImages.AssertFileEquals(content, result.Files[0]);
        Assert.True((await reopened.VerifyAsync()).Ok);
    }

    [Fact]
    public async Task Chunk_ids_are_keyed_so_two_repositories_name_the_same_data_differently()
    {
        using var dir = new TestFolder();
        var content = SampleImages.Write(dir.Combine("disk.img"), 64 * 1024, seed: 21, 64 * 1024, SampleImages.Kind.Random);
        using var one = RepositoryFixture.Create(dir, password: Password, name: "one");
        using var two = RepositoryFixture.Create(dir, password: Password, name: "two");
        using var plain = RepositoryFixture.Create(dir, name: "plain");

        var ids = new List<string>();
        foreach (var repository in new[] { one, two, plain })
        {
            var point = await RepositoryFixture.BackupAsync(repository, "vm", dir.Combine("disk.img"));
            using var disk = repository.OpenDisk(point.Id, 0);
            ids.Add(disk.ChunkIdOf(0));
        }

        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content)), ids[2]);
        Assert.Equal(3, ids.Distinct().Count());
    }

    [Fact]
    public void Wrong_password_is_named_as_such()
    {
        using var dir = new TestFolder();
        RepositoryFixture.Create(dir, password: Password).Dispose();

        var error = Assert.Throws<RepositoryException>(() => BackupRepository.Open(dir.Combine("repo"), "not the password"));

        Assert.Equal($"The password is wrong for repository '{dir.Combine("repo")}'.", error.Message);
    }

    [Fact]
    public void Missing_password_says_to_set_the_environment_variable()
    {
        using var dir = new TestFolder();
        RepositoryFixture.Create(dir, password: Password).Dispose();

        var error = Assert.Throws<RepositoryException>(() => BackupRepository.Open(dir.Combine("repo"), password: null));

        Assert.Contains("LIFEBOAT_PASSWORD", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unencrypted_repository_reports_so_and_ignores_a_password()
    {
        using var dir = new TestFolder();
        RepositoryFixture.Create(dir).Dispose();

        Assert.False(BackupRepository.IsEncrypted(dir.Combine("repo")));
        using var repository = BackupRepository.Open(dir.Combine("repo"), "unused");
        Assert.False(repository.Config.Encrypted);
    }
}
