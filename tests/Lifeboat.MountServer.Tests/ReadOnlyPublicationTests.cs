using System.Net;
using System.Net.Sockets;
using Lifeboat.MountServer.Control;
using Lifeboat.MountServer.Publishing;
using Lifeboat.Nbd.Client;
using Lifeboat.Nfs.Server;
using Lifeboat.Repository;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lifeboat.MountServer.Tests;

/// <summary>
/// A read-only publication in a mount server in this process, over its NBD unix socket: exported read-only, read
/// bit-exact, no write cache data and no hydration copies written, listed as such through the control program, and
/// still read-only when the host starts again from its catalog.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ReadOnlyPublicationTests : IDisposable
{
    private const int Block = 64 * 1024;
    private readonly string _folder = Directory.CreateTempSubdirectory("lifeboat-ro-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_read_only_publication_is_a_read_only_export_on_the_unix_socket_and_stays_so_after_a_restart()
    {
        var content = new byte[16 * Block];
        new Random(5).NextBytes(content);
        var image = Path.Combine(_folder, "disk0.raw");
        await File.WriteAllBytesAsync(image, content);
        var repositoryPath = Path.Combine(_folder, "repo");
        using (var repository = BackupRepository.Init(repositoryPath, new RepositoryOptions(BlockSize: Block), password: null))
            await repository.BackupAsync(new BackupRequest("vm1", [image]));
        var control = Path.Combine(_folder, "run", "control.sock");
        var socket = ControlSettings.NbdSocketBeside(control);
        Assert.Equal(Path.Combine(_folder, "run", "control-nbd.sock"), socket);
        var settings = new MountServerSettings
        {
            RepositoryPath = repositoryPath,
            CacheRoot = Path.Combine(_folder, "cache"),
            Nfs = new NfsServerOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, 0), PortmapPort = 0 },
            NbdSocketPath = socket,
            Control = new ControlSettings { SocketPath = control },
        };

        string[] files;
        await using (var host = await MountServerHost.StartAsync(settings, NullLoggerFactory.Instance))
        {
            var publication = await host.PublishAsync("vm1", null, readOnly: true);
            Assert.True(publication.ReadOnly);
            Assert.Equal([$"nbd+unix:///vm1/disk0?socket={socket}"], publication.NbdUnixUrls);
            Assert.Empty(publication.NbdUrls);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(socket));
            files = Files(publication.CacheFolder);

            await using (var client = await NbdClient.ConnectAsync(new UnixDomainSocketEndPoint(socket), "vm1/disk0"))
            {
                Assert.True(client.IsReadOnly);
                var read = new byte[content.Length];
                await client.ReadAsync(0, read);
                Assert.Equal(content, read);
                await Assert.ThrowsAsync<NbdException>(() => client.WriteAsync(0, new byte[] { 1 }).AsTask());
            }

            await using (var controlClient = await ControlClient.ConnectAsync(control))
            {
                var listed = Assert.Single(await controlClient.ListAsync());
                Assert.True(listed.ReadOnly);
                Assert.Equal(publication.NbdUnixUrls, listed.NbdUnixUrls);
                var second = await controlClient.PublishAsync("vm1", null, null, readOnly: false);
                Assert.False(second.ReadOnly);
                await controlClient.UnpublishAsync(second.Name);
            }

            // A second mount server on the same NBD socket is refused while this one answers there (and nothing of it stays listening).
            var taken = await Assert.ThrowsAsync<ControlSocketException>(() => MountServerHost.StartAsync(new MountServerSettings
            {
                RepositoryPath = repositoryPath,
                CacheRoot = Path.Combine(_folder, "cache-second"),
                Nfs = new NfsServerOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, 0), PortmapPort = 0 },
                NbdSocketPath = socket,
            }, NullLoggerFactory.Instance));
            Assert.Contains($"Another mount server answers on the NBD socket {socket}", taken.Message, StringComparison.Ordinal);
            await using (var still = await NbdClient.ConnectAsync(new UnixDomainSocketEndPoint(socket), "vm1/disk0"))
                Assert.True(still.IsReadOnly);

            // Opening made the cache's files; reading all of the disk added nothing (no hydration copies) and wrote no data.
            Assert.Equal(files, Files(publication.CacheFolder));
            Assert.Equal(0, SparseBytes(Path.Combine(publication.CacheFolder, "disk0", "writes.data")));
        }

        await using (var again = await MountServerHost.StartAsync(settings, NullLoggerFactory.Instance))
        {
            Assert.True(Assert.Single(again.Publications).ReadOnly);
            await using var client = await NbdClient.ConnectAsync(new UnixDomainSocketEndPoint(socket), "vm1/disk0");
            Assert.True(client.IsReadOnly);
        }
    }

    private static string[] Files(string folder) =>
        [.. Directory.EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(folder, f)).Order(StringComparer.Ordinal)];

    /// <summary>Bytes the file occupies on disk (st_blocks * 512): 0 for a sparse data file nothing was written to.</summary>
    private static long SparseBytes(string path) => long.Parse(RunStat(path), System.Globalization.CultureInfo.InvariantCulture) * 512;

    private static string RunStat(string path)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%b", path]) { RedirectStandardOutput = true })!;
        var output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return output;
    }
}
