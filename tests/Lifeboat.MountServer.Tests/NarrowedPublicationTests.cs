using System.Net;
using System.Net.Sockets;
using Lifeboat.MountServer.Publishing;
using Lifeboat.Nbd.Client;
using Lifeboat.Nbd.Server;
using Lifeboat.Nfs.Server;
using Lifeboat.Repository;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lifeboat.MountServer.Tests;

/// <summary>
/// A publication narrowed to a client: the mount server also listens (NFS and NBD) where that client reaches it while
/// the publication lives, across a restart, and serves it to nobody else. 127.0.0.2 stands for an address of this
/// machine on a host's network, 127.0.0.3 for the host.
/// </summary>
public sealed class NarrowedPublicationTests : IDisposable
{
    private static readonly IPAddress ServedAt = IPAddress.Parse("127.0.0.2");
    private static readonly IPAddress Client = IPAddress.Parse("127.0.0.3");

    private readonly string _folder = Directory.CreateTempSubdirectory("lifeboat-ms-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task The_mount_server_listens_where_a_narrowed_publication_is_served_while_it_lives_and_after_a_restart()
    {
        var image = Path.Combine(_folder, "disk0.raw");
        await File.WriteAllBytesAsync(image, new byte[256 * 1024]);
        var repositoryPath = Path.Combine(_folder, "repo");
        using (var repository = BackupRepository.Init(repositoryPath, new RepositoryOptions(BlockSize: 64 * 1024), password: null))
            await repository.BackupAsync(new BackupRequest("vm1", [image]));
        MountServerSettings Settings() => new()
        {
            RepositoryPath = repositoryPath,
            CacheRoot = Path.Combine(_folder, "cache"),
            Nfs = new NfsServerOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, 0), PortmapPort = 0 },
            Nbd = new NbdServerOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, 0) },
        };

        string name;
        await using (var host = await MountServerHost.StartAsync(Settings(), NullLoggerFactory.Instance))
        {
            await host.PublishAsync("vm1", null);
            var notHere = IPAddress.Parse("198.18.255.254");
            var refused = await Assert.ThrowsAsync<ArgumentException>(() => host.PublishAsync("vm1", null, clients: [Client], servedAt: notHere));
            Assert.Contains($"cannot listen at {notHere}", refused.Message, StringComparison.Ordinal);
            Assert.Single(host.Publications);
            Assert.Empty(host.Nfs.OtherAddresses);

            var narrowed = await host.PublishAsync("vm1", null, clients: [Client], servedAt: ServedAt);
            name = narrowed.Name;
            Assert.Equal([Client], narrowed.Clients);
            Assert.Equal(ServedAt, narrowed.ServedAt);
            Assert.Equal([$"nfs://{ServedAt}/lifeboat/{name}/disk0.raw?nfsport={host.Nfs.Port}&mountport={host.Nfs.Port}"], narrowed.DiskUrls);
            Assert.Equal([$"nbd://{ServedAt}:{host.Nbd!.Port}/{name}/disk0"], narrowed.NbdUrls);
            Assert.Equal([ServedAt], host.Nfs.OtherAddresses);

            // Root on loopback, a privileged local client, reaches NBD at the new address too, but is shown only the unnarrowed export.
            var there = new IPEndPoint(ServedAt, host.Nbd.Port);
            Assert.Equal(["vm1/disk0"], await NbdClient.ListExportsAsync(there));
            await Assert.ThrowsAsync<NbdException>(() => NbdClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, host.Nbd.Port), $"{name}/disk0"));
        }

        await using (var host = await MountServerHost.StartAsync(Settings(), NullLoggerFactory.Instance))
        {
            var kept = Assert.Single(host.Publications, p => p.Name == name);
            Assert.Equal([Client], kept.Clients);
            Assert.Equal(ServedAt, kept.ServedAt);
            Assert.Equal([ServedAt], host.Nfs.OtherAddresses);
            Assert.Contains("\"version\": 3", await File.ReadAllTextAsync(Path.Combine(_folder, "cache", PublicationCatalog.FileName)), StringComparison.Ordinal);

            Assert.True(await host.UnpublishAsync(name));
            Assert.Empty(host.Nfs.OtherAddresses);
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            var closed = await Assert.ThrowsAsync<SocketException>(async () => await probe.ConnectAsync(new IPEndPoint(ServedAt, host.Nbd!.Port)));
            Assert.Equal(SocketError.ConnectionRefused, closed.SocketErrorCode);
        }
    }
}
