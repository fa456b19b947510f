using System.Net;
using Lifeboat.MountServer.Publishing;
using Lifeboat.Nbd.Client;
using Lifeboat.Nbd.Protocol;
using Lifeboat.Nbd.Server;
using Lifeboat.Nfs.Server;
using Lifeboat.Repository;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lifeboat.MountServer.Tests;

/// <summary>A mount server in this process, its published disks read and written over NBD by our client.</summary>
public sealed class MountServerNbdTests : IDisposable
{
    private const int Block = 64 * 1024;

    private readonly string _folder = Directory.CreateTempSubdirectory("lifeboat-ms-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Published_disks_are_nbd_exports_with_their_zero_blocks_and_write_cache()
    {
        var content = new byte[16 * Block];
        new Random(3).NextBytes(content.AsSpan(0, 4 * Block));
        new Random(4).NextBytes(content.AsSpan(10 * Block, 2 * Block));
        await using var host = await StartHostAsync(content, disks: 2, new NbdServerOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, 0) });
        var publication = await host.PublishAsync("vm1", null);
        var endPoint = new IPEndPoint(IPAddress.Loopback, host.Nbd!.Port);
        Assert.Equal([$"nbd://127.0.0.1:{host.Nbd.Port}/vm1/disk0", $"nbd://127.0.0.1:{host.Nbd.Port}/vm1/disk1"], publication.NbdUrls);
        Assert.Equal(["vm1/disk0", "vm1/disk1"], await NbdClient.ListExportsAsync(endPoint));

        await using (var client = await NbdClient.ConnectAsync(endPoint, "vm1/disk1", new NbdClientOptions { MetaContexts = [NbdLimits.BaseAllocation] }))
        {
            var read = new byte[content.Length];
            await client.ReadAsync(0, read);
            Assert.True(read.AsSpan().SequenceEqual(content));
            var hole = (uint)(NbdAllocationFlags.Hole | NbdAllocationFlags.Zero);
            Assert.Equal(
                [new(0, 4 * Block, 0), new(4 * Block, 6 * Block, hole), new(10 * Block, 2 * Block, 0), new(12 * Block, 4 * Block, hole)],
                await client.BlockStatusAsync(NbdLimits.BaseAllocation, 0, client.Size));

            await client.WriteAsync(5 * Block, new byte[] { 9, 9, 9 }, fua: true);
            await client.WriteZeroesAsync(Block, Block);
            await client.FlushAsync();
            var status = await client.BlockStatusAsync(NbdLimits.BaseAllocation, 4 * Block, 2 * Block);
            Assert.Equal([new(4 * Block, Block, hole), new(5 * Block, Block, 0)], status);
        }

        // A second connection sees the first one's writes: one disk, one write cache.
        await using (var again = await NbdClient.ConnectAsync(endPoint, "vm1/disk1"))
        {
            var bytes = new byte[3];
            await again.ReadAsync(5 * Block, bytes);
            Assert.Equal([9, 9, 9], bytes);
            var zeroed = new byte[Block];
            await again.ReadAsync(Block, zeroed);
            Assert.All(zeroed, b => Assert.Equal(0, b));
        }

        await using (var other = await NbdClient.ConnectAsync(endPoint, "vm1/disk0"))
        {
            var bytes = new byte[3];
            await other.ReadAsync(5 * Block, bytes);
            Assert.Equal([0, 0, 0], bytes);
        }

        var missing = await Assert.ThrowsAsync<NbdException>(() => NbdClient.ConnectAsync(endPoint, "vm1/disk2"));
        Assert.Contains("ErrUnknown", missing.Message, StringComparison.Ordinal);
        await host.UnpublishAsync("vm1");
        Assert.Empty(await NbdClient.ListExportsAsync(endPoint));
    }

    [Fact]
    public async Task A_published_disk_allows_several_connections_that_see_each_others_writes_after_a_flush()
    {
        var content = new byte[8 * Block];
        new Random(5).NextBytes(content.AsSpan(0, 5 * Block));
        await using var host = await StartHostAsync(content, disks: 1, new NbdServerOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, 0) });
        var publication = await host.PublishAsync("vm1", null);
        var endPoint = new IPEndPoint(IPAddress.Loopback, host.Nbd!.Port);

        var info = await Tools.RunCheckedAsync("nbdinfo", "--json", publication.NbdUrls[0]);
        Assert.Contains("\"can_multi_conn\": true", info, StringComparison.Ordinal);

        // NBD_FLAG_CAN_MULTI_CONN: once a flush on any connection completes, every write completed before it on any
        // connection is seen by reads on all of them.
        await using var first = await NbdClient.ConnectAsync(endPoint, "vm1/disk0");
        await using var second = await NbdClient.ConnectAsync(endPoint, "vm1/disk0");
        await first.WriteAsync(2 * Block + 100, new byte[] { 1, 2, 3 }, fua: false);
        await second.WriteAsync(6 * Block, new byte[] { 7, 7 }, fua: false);
        await second.FlushAsync();
        var seen = new byte[3];
        await second.ReadAsync(2 * Block + 100, seen);
        Assert.Equal([1, 2, 3], seen);
        await first.ReadAsync(6 * Block, seen.AsMemory(0, 2));
        Assert.Equal([7, 7], seen[..2]);

        // nbdcopy opens several connections to an export that allows them (four by default) and copies it bit-exact.
        new byte[] { 1, 2, 3 }.CopyTo(content, (2 * Block) + 100);
        new byte[] { 7, 7 }.CopyTo(content, 6 * Block);
        var copy = Path.Combine(_folder, "copy.raw");
        await Tools.RunCheckedAsync("nbdcopy", "--connections=4", publication.NbdUrls[0], copy);
        Assert.True((await File.ReadAllBytesAsync(copy)).AsSpan().SequenceEqual(content));
    }

    [Fact]
    public async Task With_tls_the_publications_name_nbds_urls_and_qemu_and_nbdinfo_read_the_disk_bit_exact_over_tls()
    {
        var content = new byte[8 * Block];
        new Random(8).NextBytes(content.AsSpan(0, 3 * Block));
        new Random(9).NextBytes(content.AsSpan(6 * Block, Block));
        var credentials = TlsCredentials.Create(Path.Combine(_folder, "pki"));
        await using var host = await StartHostAsync(content, disks: 1, new NbdServerOptions
        {
            EndPoint = new IPEndPoint(IPAddress.Loopback, 0),
            Tls = NbdTlsOptions.FromPemFiles(credentials.ServerCertificatePath, credentials.ServerKeyPath, credentials.CaPath),
        });
        var publication = await host.PublishAsync("vm1", null);
        var port = host.Nbd!.Port;
        Assert.Equal([$"nbds://127.0.0.1:{port}/vm1/disk0"], publication.NbdUrls);

        var copy = Path.Combine(_folder, "copy.raw");
        await Tools.RunCheckedAsync("qemu-img", "convert", "--object", $"tls-creds-x509,id=tls0,endpoint=client,dir={credentials.Directory}", "--image-opts",
            $"driver=nbd,server.type=inet,server.host=127.0.0.1,server.port={port},export=vm1/disk0,tls-creds=tls0", "-O", "raw", copy);
        Assert.True((await File.ReadAllBytesAsync(copy)).AsSpan().SequenceEqual(content));
        var map = await Tools.RunCheckedAsync("nbdinfo", "--map", $"{publication.NbdUrls[0]}?tls-certificates={credentials.Directory}");
        Assert.Contains("hole,zero", map, StringComparison.Ordinal);

        // Our own client has no TLS: refused before any export is named.
        var refused = await Assert.ThrowsAsync<NbdException>(() => NbdClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), "vm1/disk0"));
        Assert.Contains("ErrTlsReqd", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>Backs up <paramref name="content"/> as VM vm1 (each of its disks that image) and starts a mount server with NBD.</summary>
    private async Task<MountServerHost> StartHostAsync(byte[] content, int disks, NbdServerOptions nbd)
    {
        var image = Path.Combine(_folder, "disk0.raw");
        await File.WriteAllBytesAsync(image, content);
        var repositoryPath = Path.Combine(_folder, "repo");
        using (var repository = BackupRepository.Init(repositoryPath, new RepositoryOptions(BlockSize: Block), password: null))
            await repository.BackupAsync(new BackupRequest("vm1", [.. Enumerable.Repeat(image, disks)]));
        var settings = new MountServerSettings
        {
            RepositoryPath = repositoryPath,
            CacheRoot = Path.Combine(_folder, "cache"),
            Nfs = new NfsServerOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, 0), PortmapPort = 0 },
            Nbd = nbd,
        };
        return await MountServerHost.StartAsync(settings, NullLoggerFactory.Instance);
    }
}
