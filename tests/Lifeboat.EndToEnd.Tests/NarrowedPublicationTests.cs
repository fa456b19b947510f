using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;

namespace Lifeboat.EndToEnd.Tests;

/// <summary>
/// `lifeboat publish --allow ADDR` narrows a publication to one remote host: the mount server listens where that host
/// reaches it (a veth address here) while the publication needs it, answers it alone there (not loopback, not another
/// address of the same host), shows it nothing else, and keeps all that across a restart. libnfs's nfs-ls and nfs-cat
/// and libnbd's nbdinfo run inside the host's network namespace.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class NarrowedPublicationTests
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_narrowed_publication_is_read_by_its_host_alone_where_it_reaches_the_mount_server_until_unpublished()
    {
        using var folder = new TestFolder();
        var content = RandomNumberGenerator.GetBytes(1024 * 1024);
        await File.WriteAllBytesAsync(folder.Combine("disk.raw"), content);
        var digest = Convert.ToHexStringLower(SHA256.HashData(content));
        await LifeboatCli.BackUpAsync(folder.Combine("repo"), "guest", folder.Combine("disk.raw"), vmConfig: null);
        using var network = await NetworkNamespace.CreateAsync();
        using var veth = await VethPair.CreateAsync(network);
        var nbdPort = FreePorts.Tcp();
        // On loopback, as the server's own mount server listens: the veth address is served only while a publication needs it.
        var arguments = new MountServerArguments(folder.Combine("repo"), folder.Combine("cache")) { NfsPort = 0, PortmapPort = 0, NbdPort = nbdPort, Listen = "127.0.0.1", Publish = ["guest"] };
        var server = await MountServer.StartAsync(arguments);
        try
        {
            var named = await LifeboatCli.RunAsync("publish", "guest", "--allow", "kvm2", "--control-socket", arguments.ControlSocket);
            Assert.False(named.Succeeded, named.ToString());
            Assert.Contains("--allow 'kvm2' is not an IP address", named.Stdout + named.Stderr, StringComparison.Ordinal);
            var published = await LifeboatCli.RunJsonAsync("publish", "guest", "--allow", veth.Inside.ToString(), "--control-socket", arguments.ControlSocket);
            var narrowed = published[0];
            var name = narrowed.GetProperty("name").GetString()!;
            Assert.Equal([veth.Inside.ToString()], narrowed.GetProperty("clients").EnumerateArray().Select(c => c.GetString()));
            Assert.Equal(veth.ThisSide.ToString(), narrowed.GetProperty("servedAt").GetString());
            // Without portmap (port 0 here) the URLs carry the ports.
            Assert.StartsWith($"nfs://{veth.ThisSide}/lifeboat/{name}/disk0.raw?nfsport=", narrowed.GetProperty("diskUrls")[0].GetString(), StringComparison.Ordinal);
            Assert.Equal($"nbd://{veth.ThisSide}:{nbdPort}/{name}/disk0", narrowed.GetProperty("nbdUrls")[0].GetString());
            Assert.Equal(0, narrowed.GetProperty("nbdUnixUrls").GetArrayLength());

            var nfs = (IPAddress host, string path) => $"nfs://{host}/lifeboat{path}?nfsport={server.NfsPort}&mountport={server.NfsPort}";
            var nbd = (IPAddress host, string export) => $"nbd://{host}:{nbdPort}/{export}";
            await AssertHostReadsAsync(network, veth, nfs, nbd, name, digest);

            // The host sees its publication only: the unnarrowed one is neither listed nor mountable nor an export to it.
            var root = (await network.RunAsync(ToolTimeout, "nfs-ls", nfs(veth.ThisSide, ""))).ShouldSucceed();
            Assert.Contains(name, root.Stdout, StringComparison.Ordinal);
            Assert.DoesNotMatch(@"(?m)\sguest$", root.Stdout);
            var other = await network.RunAsync(ToolTimeout, "nfs-ls", nfs(veth.ThisSide, "/guest"));
            Assert.False(other.Succeeded, $"the host mounted a publication not narrowed to it: {other}");
            var exports = (await network.RunAsync(ToolTimeout, "nbdinfo", "--list", nbd(veth.ThisSide, ""))).ShouldSucceed();
            Assert.Contains($"{name}/disk0", exports.Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain("guest/disk0", exports.Stdout, StringComparison.Ordinal);
            Assert.False((await network.RunAsync(ToolTimeout, "nbdinfo", "--size", nbd(veth.ThisSide, "guest/disk0"))).Succeeded);

            // Root on loopback with a reserved port is a privileged local client: it still reads the unnarrowed publication, not this one.
            (await Tools.RunAsync(Tools.StartInfo("nfs-ls", [nfs(IPAddress.Loopback, "/guest")]), ToolTimeout)).ShouldSucceed();
            var local = await Tools.RunAsync(Tools.StartInfo("nfs-ls", [nfs(IPAddress.Loopback, "/" + name)]), ToolTimeout);
            Assert.False(local.Succeeded, $"a loopback client mounted a publication narrowed to {veth.Inside}: {local}");
            Assert.Contains("MNT3ERR_ACCES", local.Stdout + local.Stderr, StringComparison.Ordinal);
            var localNbd = await Tools.RunAsync(Tools.StartInfo("nbdinfo", ["--size", nbd(IPAddress.Loopback, name + "/disk0")]), ToolTimeout);
            Assert.False(localNbd.Succeeded, $"a loopback client opened an export narrowed to {veth.Inside}: {localNbd}");

            // Another address of the same host is not the client named.
            await veth.SendFromAsync(veth.OtherInside);
            var stranger = await network.RunAsync(ToolTimeout, "nfs-ls", nfs(veth.ThisSide, "/" + name));
            Assert.False(stranger.Succeeded, $"{veth.OtherInside} mounted a publication narrowed to {veth.Inside}: {stranger}");
            Assert.Contains("MNT3ERR_ACCES", stranger.Stdout + stranger.Stderr, StringComparison.Ordinal);
            Assert.False((await network.RunAsync(ToolTimeout, "nbdinfo", "--size", nbd(veth.ThisSide, name + "/disk0"))).Succeeded);
            await veth.SendFromAsync(veth.Inside);

            // A restart publishes it narrowed again and listens at the veth address again.
            await server.StopAsync();
            server.Dispose();
            server = await MountServer.StartAsync(arguments with { Publish = [] });
            await AssertHostReadsAsync(network, veth, nfs, nbd, name, digest);
            var listed = await LifeboatCli.RunJsonAsync("publications", "--control-socket", arguments.ControlSocket);
            var kept = listed.EnumerateArray().Single(p => p.GetProperty("name").GetString() == name);
            Assert.Equal([veth.Inside.ToString()], kept.GetProperty("clients").EnumerateArray().Select(c => c.GetString()));

            // Unpublished, nothing answers the host any more: the veth address is no longer served.
            (await LifeboatCli.RunAsync("unpublish", name, "--control-socket", arguments.ControlSocket)).ShouldSucceed();
            await server.WaitForOutputAsync("no longer listening at the veth address", line => line.Contains($"no longer listening on {veth.ThisSide}", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
            Assert.False((await network.RunAsync(ToolTimeout, "nfs-ls", nfs(veth.ThisSide, ""))).Succeeded);
            var gone = await network.RunAsync(ToolTimeout, "nbdinfo", "--list", nbd(veth.ThisSide, ""));
            Assert.False(gone.Succeeded, $"the host still reaches NBD after the unpublish: {gone}");
        }
        finally
        {
            server.Dispose();
        }
    }

    [Fact]
    public async Task QEMU_on_the_host_finds_a_narrowed_disk_through_the_portmap_served_where_it_reaches_the_mount_server()
    {
        using var folder = new TestFolder();
        await File.WriteAllBytesAsync(folder.Combine("disk.raw"), RandomNumberGenerator.GetBytes(1024 * 1024));
        await LifeboatCli.BackUpAsync(folder.Combine("repo"), "guest", folder.Combine("disk.raw"), vmConfig: null);
        // The mount server in a namespace of its own has ports 111, 2049 and 10809 to itself, as a real one does.
        using var serverSide = await NetworkNamespace.CreateAsync();
        using var hostSide = await NetworkNamespace.CreateAsync();
        using var veth = await VethPair.CreateAsync(hostSide, serverSide);
        var arguments = new MountServerArguments(folder.Combine("repo"), folder.Combine("cache")) { NbdPort = 10809, Listen = "127.0.0.1" };
        using var server = await MountServer.StartAsync(arguments, serverSide);

        var narrowed = (await LifeboatCli.RunJsonAsync("publish", "guest", "--allow", veth.Inside.ToString(), "--control-socket", arguments.ControlSocket))[0];
        var url = narrowed.GetProperty("diskUrls")[0].GetString()!;
        Assert.Equal($"nfs://{veth.ThisSide}/lifeboat/guest/disk0.raw", url);
        var portmap = (await hostSide.RunAsync(ToolTimeout, "rpcinfo", "-p", veth.ThisSide.ToString())).ShouldSucceed();
        Assert.Matches(@"100005\s+3\s+tcp\s+2049", portmap.Stdout);
        Assert.Matches(@"100003\s+3\s+tcp\s+2049", portmap.Stdout);
        foreach (var disk in new[] { url, narrowed.GetProperty("nbdUrls")[0].GetString()! })
        {
            var info = (await hostSide.RunAsync(ToolTimeout, "qemu-img", "info", "--output=json", disk)).ShouldSucceed();
            Assert.Equal(1024 * 1024, JsonDocument.Parse(info.Stdout).RootElement.GetProperty("virtual-size").GetInt64());
        }

        (await LifeboatCli.RunAsync("unpublish", "guest", "--control-socket", arguments.ControlSocket)).ShouldSucceed();
        var gone = await hostSide.RunAsync(ToolTimeout, "rpcinfo", "-p", veth.ThisSide.ToString());
        Assert.False(gone.Succeeded, $"portmap still answers at {veth.ThisSide} after the unpublish: {gone}");
    }

    private static async Task AssertHostReadsAsync(
        NetworkNamespace network, VethPair veth, Func<IPAddress, string, string> nfs, Func<IPAddress, string, string> nbd, string name, string digest)
    {
        var read = (await network.RunAsync(ToolTimeout, "sh", "-c", $"nfs-cat '{nfs(veth.ThisSide, $"/{name}/disk0.raw")}' | sha256sum")).ShouldSucceed();
        Assert.StartsWith(digest, read.Stdout, StringComparison.Ordinal);
        var size = (await network.RunAsync(ToolTimeout, "nbdinfo", "--size", nbd(veth.ThisSide, name + "/disk0"))).ShouldSucceed();
        Assert.Equal("1048576", size.Stdout.Trim());
    }

}
