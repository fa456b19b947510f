using System.Net;
using System.Net.Sockets;
using Lifeboat.Nfs.Datastore;
using Lifeboat.Nfs.Mount;
using Lifeboat.Nfs.Nfs3;
using Lifeboat.Nfs.Server;
using Lifeboat.Nfs.Tests.Support;
using Lifeboat.OncRpc.Portmap;

namespace Lifeboat.Nfs.Tests;

/// <summary>
/// A publication narrowed to clients answers them alone, over MOUNT and every NFS call on its handles; a client
/// admitted only because a publication names it sees nothing else. 127.0.0.2 stands for a remote host here: the
/// server's allow list is 127.0.0.1 alone.
/// </summary>
public sealed class NarrowedPublicationTests
{
    private static readonly IPAddress Host = IPAddress.Parse("127.0.0.2");

    [Fact]
    public async Task A_narrowed_publication_answers_its_clients_alone_and_they_see_nothing_else()
    {
        await using var server = await NfsTestServer.StartAsync(allowed: NfsClientAllowList.Parse(["127.0.0.1"]));
        using var cache = new TestFolder();
        server.Server.Publish("narrow", [], [MemoryDisk.Random(64 * 1024, seed: 3)], cache.Combine("narrow"), clients: [Host]);

        await using var host = await NfsTestClient.ConnectFromAsync(Host, server.Port);
        var root = await host.MountOkAsync("/lifeboat");
        Assert.Equal(["narrow"], (await host.ListAllAsync(root, plus: true)).Select(e => e.Name).Where(n => n is not ("." or "..")));
        var narrow = await host.MountOkAsync("/lifeboat/narrow");
        var disk = await host.LookupOkAsync(narrow, "disk0.raw");
        Assert.Equal(Nfs3Status.Ok, (await host.ReadAsync(disk, 0, 4096)).Status);
        // The unnarrowed publication does not exist for it, by path or by name; its handle is refused.
        Assert.Equal(MountStat3.NoEnt, (await host.MountAsync("/lifeboat/vm1")).Status);
        Assert.Equal(Nfs3Status.NoEnt, (await host.LookupAsync(root, "vm1")).Status);

        // The allow list's own client (root, a reserved port) is refused the narrowed one, handle and all.
        await using var local = await server.ConnectAsync();
        var vm1 = await local.MountOkAsync("/lifeboat/vm1");
        Assert.Equal(Nfs3Status.Acces, (await host.GetAttrAsync(vm1)).Status);
        // Nor does a second handle let it reach there (RENAME's and LINK's replies would carry that folder's attributes).
        Assert.Equal(Nfs3Status.Acces, await host.RenameAsync(narrow, "disk0.raw", vm1, "taken.raw"));
        Assert.Equal(MountStat3.Acces, (await local.MountAsync("/lifeboat/narrow")).Status);
        Assert.Equal(Nfs3Status.Acces, (await local.GetAttrAsync(disk)).Status);
        Assert.Equal(Nfs3Status.Acces, (await local.ReadAsync(disk, 0, 4096)).Status);
        Assert.Equal(Nfs3Status.Acces, (await local.WriteAsync(disk, 0, new byte[512])).Status);

        // Another client named by no publication is refused everything; the host is too once nothing names it.
        await using var stranger = await NfsTestClient.ConnectFromAsync(IPAddress.Parse("127.0.0.3"), server.Port);
        Assert.Equal(MountStat3.Acces, (await stranger.MountAsync("/lifeboat")).Status);
        Assert.Equal(Nfs3Status.Acces, (await stranger.GetAttrAsync(disk)).Status);
        Assert.True(server.Server.Unpublish("narrow"));
        Assert.Equal(MountStat3.Acces, (await host.MountAsync("/lifeboat")).Status);
        Assert.Equal(Nfs3Status.Acces, (await host.GetAttrAsync(root)).Status);
    }

    [Fact]
    public void A_publication_naming_no_client_is_refused()
    {
        using var datastore = new DatastoreFileSystem();
        using var cache = new TestFolder();
        var error = Assert.Throws<ArgumentException>(() => datastore.Publish("empty", [], [], cache.Combine("empty"), clients: []));
        Assert.Contains("names no client", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_server_also_listens_at_another_address_with_its_portmap_until_told_to_stop()
    {
        var portmapPort = FreePorts.Tcp();
        await using var server = await NfsTestServer.StartAsync(portmapPort: portmapPort);
        Assert.Equal(PortmapMode.Served, server.Server.PortmapMode);
        await server.Server.ListenAlsoAsync(Host);
        await server.Server.ListenAlsoAsync(Host);
        Assert.Equal([Host], server.Server.OtherAddresses);

        await using (var client = await NfsTestClient.ConnectFromAsync(IPAddress.Loopback, server.Port, server: Host))
        {
            await client.MountOkAsync("/lifeboat/vm1");
        }

        await using (var portmap = await PortmapClient.ConnectAsync(new IPEndPoint(Host, portmapPort)))
        {
            Assert.Equal((uint)server.Port, await portmap.GetPortAsync(Nfs3Constants.Program, Nfs3Constants.Version, PortmapProtocol.Tcp));
        }

        await server.Server.StopListeningAsync(Host);
        Assert.Empty(server.Server.OtherAddresses);
        var refused = await Assert.ThrowsAsync<SocketException>(() => NfsTestClient.ConnectFromAsync(IPAddress.Loopback, server.Port, server: Host));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

}
