using Lifeboat.Nfs.Mount;
using Lifeboat.Nfs.Nfs3;
using Lifeboat.Nfs.Tests.Support;
using Lifeboat.OncRpc.Rpc;
using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.Nfs.Tests;

public sealed class MountProgramTests
{
    [Fact]
    public async Task Mnt_accepts_the_export_and_any_folder_inside_it_with_unix_and_none_flavors()
    {
        await using var server = await NfsTestServer.StartAsync();
        await using var client = await server.ConnectAsync();

        var (status, root, flavors) = await client.MountAsync("/lifeboat");
        Assert.Equal(MountStat3.Ok, status);
        Assert.Equal([(uint)AuthFlavor.Sys, (uint)AuthFlavor.None], flavors);
        Assert.Equal(Ftype3.Dir, (await client.GetAttrAsync(root)).Attributes.Type);

        var vm = await client.MountOkAsync("/lifeboat/vm1");
        Assert.Equal(vm, await client.LookupOkAsync(root, "vm1"));
        Assert.Equal(vm, await client.MountOkAsync("/lifeboat//vm1/"));

        var sub = (await client.MkDirAsync(vm, "snapshots")).Handle!;
        Assert.Equal(sub, await client.MountOkAsync("/lifeboat/vm1/snapshots"));
    }

    [Fact]
    public async Task Export_dump_umnt_and_umntall_keep_the_mount_list()
    {
        await using var server = await NfsTestServer.StartAsync();
        await using var client = await server.ConnectAsync();
        Assert.True((await client.CallMountAsync(MountProc3.Null)).IsSuccess);

        var exports = await client.CallMountAsync(MountProc3.Export);
        var reader = new XdrReader(NfsTestClient.Results(exports).Span);
        Assert.True(reader.ReadBool());
        Assert.Equal("/lifeboat", reader.ReadString(1024));
        Assert.False(reader.ReadBool());
        Assert.False(reader.ReadBool());

        await client.MountOkAsync("/lifeboat/vm1");
        await client.MountOkAsync("/lifeboat");
        Assert.Equal(["/lifeboat", "/lifeboat/vm1"], await DumpAsync(client));

        Assert.True((await client.CallMountAsync(MountProc3.Umnt, w => w.WriteString("/lifeboat"))).IsSuccess);
        Assert.Equal(["/lifeboat/vm1"], await DumpAsync(client));

        Assert.True((await client.CallMountAsync(MountProc3.UmntAll)).IsSuccess);
        Assert.Empty(await DumpAsync(client));
        Assert.Equal(RpcAcceptStatus.ProcUnavail, (await client.CallMountAsync((MountProc3)6)).AcceptStatus);
    }

    private static async Task<List<string>> DumpAsync(NfsTestClient client)
    {
        var reply = await client.CallMountAsync(MountProc3.Dump);
        var reader = new XdrReader(NfsTestClient.Results(reply).Span);
        var paths = new List<string>();
        while (reader.ReadBool())
        {
            Assert.Equal("127.0.0.1", reader.ReadString(255));
            paths.Add(reader.ReadString(1024));
        }

        return paths;
    }
}
