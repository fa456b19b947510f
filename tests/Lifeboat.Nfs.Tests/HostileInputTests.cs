using System.Buffers.Binary;
using Lifeboat.Nfs.Mount;
using Lifeboat.Nfs.Nfs3;
using Lifeboat.Nfs.Tests.Support;
using Lifeboat.OncRpc.Rpc;

namespace Lifeboat.Nfs.Tests;

/// <summary>Malformed, forged and escaping requests: each gets a clear status, nothing leaves the export, nothing crashes.</summary>
public sealed class HostileInputTests
{
    [Fact]
    public async Task Truncated_arguments_of_every_procedure_get_garbage_args_and_the_connection_keeps_serving()
    {
        await using var server = await NfsTestServer.StartAsync();
        await using var client = await server.ConnectAsync();
        var vm = await client.MountOkAsync("/lifeboat/vm1");
        for (var procedure = Nfs3Proc.GetAttr; procedure <= Nfs3Proc.Commit; procedure++)
        {
            var empty = await client.CallNfsAsync(procedure, ReadOnlyMemory<byte>.Empty);
            Assert.Equal(RpcAcceptStatus.GarbageArgs, empty.AcceptStatus);

            // A handle whose length says 32 bytes but only 10 follow.
            var cut = new byte[14];
            BinaryPrimitives.WriteUInt32BigEndian(cut, 32);
            Assert.Equal(RpcAcceptStatus.GarbageArgs, (await client.CallNfsAsync(procedure, cut)).AcceptStatus);
        }

        var write = NfsTestClient.Encode(w => new Write3Args(new Nfs3FileHandle(vm), 0, 4, StableHow.FileSync, new byte[4]).Encode(w));
        Assert.Equal(RpcAcceptStatus.GarbageArgs, (await client.CallNfsAsync(Nfs3Proc.Write, write.AsMemory(0, write.Length - 4))).AcceptStatus);
        Assert.Equal(RpcAcceptStatus.GarbageArgs, (await client.CallMountAsync(MountProc3.Mnt, w => w.WriteUInt32(5000))).AcceptStatus);
        Assert.Equal(RpcAcceptStatus.ProcUnavail, (await client.CallNfsAsync((Nfs3Proc)22, ReadOnlyMemory<byte>.Empty)).AcceptStatus);
        Assert.Equal(Nfs3Status.Ok, (await client.GetAttrAsync(vm)).Status);
    }

    [Fact]
    public async Task Handles_of_the_wrong_shape_are_bad_and_of_another_server_or_a_removed_publication_are_stale()
    {
        await using var server = await NfsTestServer.StartAsync(datastoreId: 1);
        await using var other = await NfsTestServer.StartAsync(datastoreId: 2);
        await using var client = await server.ConnectAsync();
        await using var otherClient = await other.ConnectAsync();
        var vm = await client.MountOkAsync("/lifeboat/vm1");
        var disk = await client.LookupOkAsync(vm, "disk0.raw");

        Assert.Equal(Nfs3Status.BadHandle, (await client.GetAttrAsync([])).Status);
        Assert.Equal(Nfs3Status.BadHandle, (await client.GetAttrAsync(disk[..31])).Status);
        Assert.Equal(Nfs3Status.BadHandle, (await client.GetAttrAsync([.. disk, 0, 0, 0, 0])).Status);
        var badMagic = (byte[])disk.Clone();
        badMagic[0] ^= 0xff;
        Assert.Equal(Nfs3Status.BadHandle, (await client.GetAttrAsync(badMagic)).Status);
        var badKind = (byte[])disk.Clone();
        badKind[3] = 99;
        Assert.Equal(Nfs3Status.BadHandle, (await client.LookupAsync(badKind, "x")).Status);
        Assert.Equal(RpcAcceptStatus.GarbageArgs, (await client.CallNfsAsync(Nfs3Proc.GetAttr, w => w.WriteOpaque(new byte[65]))).AcceptStatus);

        Assert.Equal(Nfs3Status.Stale, (await otherClient.GetAttrAsync(disk)).Status);
        Assert.Equal(Nfs3Status.Stale, (await otherClient.ReadAsync(disk, 0, 10)).Status);

        var forged = (byte[])disk.Clone();
        forged[27] = 7; // disk index 7 does not exist
        Assert.Equal(Nfs3Status.Stale, (await client.GetAttrAsync(forged)).Status);

        Assert.True(server.Server.Unpublish(NfsTestServer.Publication));
        Assert.Equal(Nfs3Status.Stale, (await client.GetAttrAsync(disk)).Status);
        Assert.Equal(Nfs3Status.Stale, (await client.ReadAsync(disk, 0, 10)).Status);
        Assert.Equal(Nfs3Status.Stale, (await client.WriteAsync(disk, 0, [1])).Status);
        Assert.Equal(Nfs3Status.Stale, (await client.ReadDirAsync(vm)).Status);
        Assert.Equal(MountStat3.NoEnt, (await client.MountAsync("/lifeboat/vm1")).Status);
    }

    [Theory]
    [InlineData("../../etc", Nfs3Status.Acces)]
    [InlineData("a/b", Nfs3Status.Acces)]
    [InlineData("/etc", Nfs3Status.Acces)]
    [InlineData("disk0.raw\0", Nfs3Status.Acces)]
    [InlineData("", Nfs3Status.Acces)]
    public async Task Lookup_names_that_are_not_one_component_are_refused(string name, Nfs3Status expected)
    {
        await using var server = await NfsTestServer.StartAsync();
        await using var client = await server.ConnectAsync();
        var root = await client.MountOkAsync("/lifeboat");
        var vm = await client.LookupOkAsync(root, "vm1");
        Assert.Equal(expected, (await client.LookupAsync(root, name)).Status);
        Assert.Equal(expected, (await client.LookupAsync(vm, name)).Status);
        Assert.Equal(expected, (await client.CreateAsync(vm, name)).Status);
    }

    [Fact]
    public async Task Dotdot_never_leaves_the_export_and_long_names_are_too_long()
    {
        await using var server = await NfsTestServer.StartAsync();
        await using var client = await server.ConnectAsync();
        var root = await client.MountOkAsync("/lifeboat");
        var handle = root;
        for (var i = 0; i < 5; i++)
        {
            handle = await client.LookupOkAsync(handle, "..");
        }

        Assert.Equal(root, handle);
        var vm = await client.LookupOkAsync(root, "vm1");
        Assert.Equal(Nfs3Status.NameTooLong, (await client.LookupAsync(vm, new string('a', 256))).Status);
        Assert.Equal(Nfs3Status.NameTooLong, (await client.CreateAsync(vm, new string('é', 200))).Status);
        Assert.Equal(RpcAcceptStatus.GarbageArgs, (await client.CallNfsAsync(Nfs3Proc.Lookup, w => new DirOpArgs3(new Nfs3FileHandle(vm), new string('a', 2000)).Encode(w))).AcceptStatus);
    }

    [Theory]
    [InlineData("/lifeboat/../etc", MountStat3.Acces)]
    [InlineData("/lifeboat/vm1/..", MountStat3.Acces)]
    [InlineData("/etc", MountStat3.NoEnt)]
    [InlineData("/lifeboatx", MountStat3.NoEnt)]
    [InlineData("/lifeboat/vm2", MountStat3.NoEnt)]
    [InlineData("/lifeboat/vm1/disk0.raw", MountStat3.NotDir)]
    [InlineData("/lifeboat/vm1/up", MountStat3.NotDir)]
    [InlineData("/lifeboat/vm1/up/passwd", MountStat3.NotDir)]
    public async Task Mount_paths_outside_the_export_or_through_links_are_refused(string path, MountStat3 expected)
    {
        await using var server = await NfsTestServer.StartAsync();
        await using var client = await server.ConnectAsync();
        var vm = await client.MountOkAsync("/lifeboat/vm1");
        Assert.Equal(Nfs3Status.Ok, (await client.SymlinkAsync(vm, "up", "/etc")).Status);
        Assert.Equal(expected, (await client.MountAsync(path)).Status);
    }

    [Fact]
    public async Task Read_and_write_at_the_limits_of_their_arguments()
    {
        await using var server = await NfsTestServer.StartAsync();
        await using var client = await server.ConnectAsync();
        var vm = await client.MountOkAsync("/lifeboat/vm1");
        var disk = await client.LookupOkAsync(vm, "disk0.raw");

        var huge = await client.ReadAsync(disk, 0, uint.MaxValue);
        Assert.Equal(1024 * 1024, huge.Data.Length);
        var far = await client.ReadAsync(disk, ulong.MaxValue, uint.MaxValue);
        Assert.True(far.Eof);
        Assert.Empty(far.Data);
        Assert.Equal(Nfs3Status.FBig, (await client.WriteAsync(disk, (ulong)long.MaxValue, [1])).Status);

        var file = (await client.CreateAsync(vm, "sparse")).Handle!;
        Assert.Equal(Nfs3Status.FBig, (await client.WriteAsync(file, ulong.MaxValue - 1, [1, 2])).Status);
        Assert.Equal(Nfs3Status.Ok, (await client.WriteAsync(file, 1UL << 30, [1, 2])).Status);
        Assert.Equal((1UL << 30) + 2, (await client.GetAttrAsync(file)).Attributes.Size);
    }

    [Fact]
    public async Task A_client_outside_the_allow_list_is_refused_by_mount_and_nfs()
    {
        await using var server = await NfsTestServer.StartAsync(allowed: NfsClientAllowList.Parse(["10.0.0.0/8", "192.0.2.7"]));
        await using var client = await server.ConnectAsync();

        Assert.Equal(MountStat3.Acces, (await client.MountAsync("/lifeboat/vm1")).Status);
        var root = server.Datastore.Root.Handle.ToArray();
        Assert.Equal(Nfs3Status.Acces, (await client.GetAttrAsync(root)).Status);
        Assert.Equal(Nfs3Status.Acces, (await client.LookupAsync(root, "vm1")).Status);
        Assert.Equal(Nfs3Status.Acces, (await client.ReadDirAsync(root)).Status);
        Assert.True((await client.CallNfsAsync(Nfs3Proc.Null, ReadOnlyMemory<byte>.Empty)).IsSuccess);
    }

    [Fact]
    public void The_allow_list_matches_addresses_networks_and_mapped_addresses()
    {
        var list = NfsClientAllowList.Parse(["10.1.0.0/16", "192.0.2.7", "fd00::/8"]);
        Assert.True(list.IsAllowed(System.Net.IPAddress.Parse("10.1.200.3")));
        Assert.True(list.IsAllowed(System.Net.IPAddress.Parse("::ffff:192.0.2.7")));
        Assert.True(list.IsAllowed(System.Net.IPAddress.Parse("fd12::1")));
        Assert.False(list.IsAllowed(System.Net.IPAddress.Parse("10.2.0.1")));
        Assert.False(list.IsAllowed(System.Net.IPAddress.Loopback));
        Assert.True(NfsClientAllowList.LoopbackOnly.IsAllowed(System.Net.IPAddress.Parse("127.0.0.2")));
        Assert.True(NfsClientAllowList.LoopbackOnly.IsAllowed(System.Net.IPAddress.IPv6Loopback));
        Assert.Throws<FormatException>(() => NfsClientAllowList.Parse(["not-an-address"]));
    }
}
