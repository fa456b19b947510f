using System.Net;
using Lifeboat.MountServer.Publishing;
using Lifeboat.Nfs.Server;
using Lifeboat.Repository;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lifeboat.MountServer.Tests;

/// <summary>Where a publish may make the mount server (root) create its write cache: never where a name or a redirect leads outside.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PublishPlacesTests : IDisposable
{
    private const UnixFileMode OwnerFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerFolder = OwnerFile | UnixFileMode.UserExecute;

    private readonly string _folder = Directory.CreateTempSubdirectory("lifeboat-places-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_publish_of_a_name_that_is_a_path_is_refused_naming_the_field_and_creates_no_cache_folder()
    {
        await using var host = await StartAsync(writable: []);
        var before = Tree();

        foreach (var name in new[] { "../../etc", "vm1/../../x", "..", "a\0b", "vm\n1" })
        {
            var error = await Assert.ThrowsAsync<ArgumentException>(() => host.PublishAsync(name, null));
            Assert.StartsWith("vm '", error.Message, StringComparison.Ordinal);
            Assert.Contains("is not a VM name; give 1 to 128 letters, digits, '.', '_' or '-'", error.Message, StringComparison.Ordinal);
        }

        Assert.Equal(before, Tree());
        Assert.Empty(host.Publications);
    }

    [Fact]
    public async Task A_redirect_is_kept_only_inside_the_cache_or_a_writable_folder_and_write_caches_are_the_servers_alone()
    {
        var writable = Directory.CreateDirectory(Path.Combine(_folder, "writable")).FullName;
        var secret = Directory.CreateDirectory(Path.Combine(_folder, "root-only"), OwnerFolder).FullName;
        File.CreateSymbolicLink(Path.Combine(writable, "escape"), secret);
        await using var host = await StartAsync(writable: [writable]);
        var before = Tree();

        foreach (var (redirect, really) in new[]
        {
            (Path.Combine(secret, "a", "b", "c"), null),
            (Path.Combine(writable, "..", "root-only", "x"), null),
            (Path.Combine(writable, "escape", "x"), Path.Combine(secret, "x")),
            ("/etc", null),
        })
        {
            var error = await Assert.ThrowsAsync<ArgumentException>(() => host.PublishAsync("vm1", null, redirect));
            Assert.StartsWith($"redirectWritesTo '{redirect}'", error.Message, StringComparison.Ordinal);
            Assert.Contains($"is outside the places Lifeboat may write ({Path.Combine(_folder, "cache")}, {writable})", error.Message, StringComparison.Ordinal);
            if (really is not null)
                Assert.Contains($"(really {really})", error.Message, StringComparison.Ordinal);
        }

        Assert.Equal(before, Tree());
        Assert.Empty(Directory.GetFileSystemEntries(secret));

        var redirected = await host.PublishAsync("vm1", null, Path.Combine(writable, "caches"));
        var cached = await host.PublishAsync("vm1", null);
        Assert.StartsWith(Path.Combine(writable, "caches", "vm1-"), redirected.CacheFolder, StringComparison.Ordinal);
        Assert.StartsWith(Path.Combine(_folder, "cache", "vm1-2-"), cached.CacheFolder, StringComparison.Ordinal);
        foreach (var cache in new[] { redirected.CacheFolder, cached.CacheFolder })
        {
            Assert.Equal(OwnerFolder, File.GetUnixFileMode(cache));
            Assert.Equal(OwnerFolder, File.GetUnixFileMode(Path.Combine(cache, "disk0")));
            var files = Directory.GetFiles(Path.Combine(cache, "disk0"));
            Assert.Contains(Path.Combine(cache, "disk0", "writes.data"), files);
            Assert.All(files, file => Assert.True(File.GetUnixFileMode(file) == OwnerFile, $"{file} is {File.GetUnixFileMode(file)}"));
        }
    }

    private async Task<MountServerHost> StartAsync(IReadOnlyList<string> writable)
    {
        var image = Path.Combine(_folder, "disk0.raw");
        await File.WriteAllBytesAsync(image, new byte[256 * 1024]);
        var repositoryPath = Path.Combine(_folder, "repo");
        using (var repository = BackupRepository.Init(repositoryPath, new RepositoryOptions(), password: null))
            await repository.BackupAsync(new BackupRequest("vm1", [image]));
        var settings = new MountServerSettings
        {
            RepositoryPath = repositoryPath,
            CacheRoot = Path.Combine(_folder, "cache"),
            WritableFolders = () => writable,
            Nfs = new NfsServerOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, 0), PortmapPort = 0 },
        };
        return await MountServerHost.StartAsync(settings, NullLoggerFactory.Instance);
    }

    /// <summary>Every path under the test's folder and under its parent's name for it (where `../../etc` would have led).</summary>
    private List<string> Tree() =>
        [.. Directory.GetFileSystemEntries(_folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal),
         .. Directory.GetFileSystemEntries(Path.GetDirectoryName(_folder)!, "etc-*")];
}
