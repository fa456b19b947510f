using Lifeboat.Nfs.Nfs3;
using Lifeboat.Nfs.Tests.Support;
using Lifeboat.OncRpc.Rpc;

namespace Lifeboat.Nfs.Tests;

/// <summary>Each NFSv3 procedure through the RPC client against an in-process server.</summary>
public sealed class Nfs3ProcedureTests : IAsyncLifetime
{
    private NfsTestServer _server = null!;
    private NfsTestClient _client = null!;
    private byte[] _root = null!;
    private byte[] _vm = null!;
    private byte[] _disk = null!;

    public async Task InitializeAsync()
    {
        _server = await NfsTestServer.StartAsync();
        _client = await _server.ConnectAsync();
        _root = await _client.MountOkAsync("/lifeboat");
        _vm = await _client.LookupOkAsync(_root, "vm1");
        _disk = await _client.LookupOkAsync(_vm, "disk0.raw");
    }

    public async Task DisposeAsync()
    {
        await _client.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Null_answers()
    {
        var reply = await _client.CallNfsAsync(Nfs3Proc.Null, ReadOnlyMemory<byte>.Empty);
        Assert.True(reply.IsSuccess);
        Assert.Equal(0, reply.Results.Length);
    }

    [Fact]
    public async Task GetAttr_describes_folders_generated_and_disk_files()
    {
        var (rootStatus, root) = await _client.GetAttrAsync(_root);
        Assert.Equal(Nfs3Status.Ok, rootStatus);
        Assert.Equal(Ftype3.Dir, root.Type);

        var (_, vm) = await _client.GetAttrAsync(_vm);
        Assert.Equal(Ftype3.Dir, vm.Type);

        var config = await _client.LookupAsync(_vm, NfsTestServer.ConfigName);
        Assert.Equal(Ftype3.Reg, config.Object!.Value.Type);
        Assert.Equal((ulong)NfsTestServer.ConfigContent.Length, config.Object.Value.Size);
        Assert.Equal(0x124u, config.Object.Value.Mode); // 0444

        var (_, disk) = await _client.GetAttrAsync(_disk);
        Assert.Equal((ulong)NfsTestServer.DiskSize, disk.Size);
        Assert.Equal(2u, disk.Nlink);
        Assert.Equal(root.Fsid, disk.Fsid);
        Assert.NotEqual(root.Fileid, disk.Fileid);

        var flat = await _client.LookupAsync(_vm, "disk0-flat.vmdk");
        Assert.Equal(_disk, flat.Handle);
        Assert.Equal(disk.Fileid, flat.Object!.Value.Fileid);
    }

    [Fact]
    public async Task Lookup_resolves_dot_and_dotdot_inside_the_tree_and_reports_missing_names()
    {
        Assert.Equal(_vm, await _client.LookupOkAsync(_vm, "."));
        Assert.Equal(_vm, await _client.LookupOkAsync(_vm, ".."));
        Assert.Equal(_root, await _client.LookupOkAsync(_root, ".."));

        var missing = await _client.LookupAsync(_vm, "missing.lck");
        Assert.Equal(Nfs3Status.NoEnt, missing.Status);
        Assert.NotNull(missing.Dir);

        var notDir = await _client.LookupAsync(_disk, "x");
        Assert.Equal(Nfs3Status.NotDir, notDir.Status);
    }

    [Fact]
    public async Task Access_grants_what_the_mode_allows()
    {
        var config = await _client.LookupOkAsync(_vm, NfsTestServer.ConfigName);
        Assert.Equal((Nfs3Status.Ok, Access3.Read), await _client.AccessAsync(config));
        Assert.Equal((Nfs3Status.Ok, Access3.Read | Access3.Modify | Access3.Extend), await _client.AccessAsync(_disk));
        Assert.Equal((Nfs3Status.Ok, Access3.Read | Access3.Lookup), await _client.AccessAsync(_root));
        Assert.Equal((Nfs3Status.Ok, Access3.Read | Access3.Lookup | Access3.Modify | Access3.Extend | Access3.Delete), await _client.AccessAsync(_vm));
        Assert.Equal((Nfs3Status.Ok, Access3.Read), await _client.AccessAsync(_disk, Access3.Read | Access3.Execute));

        await using var nobody = await _server.ConnectAsync(RpcCredentials.None);
        Assert.Equal((Nfs3Status.Ok, Access3.Read), await nobody.AccessAsync(_disk));
    }

    [Fact]
    public async Task Read_honours_offset_eof_and_the_rtmax_cap()
    {
        var content = _server.Disk.Snapshot();

        var middle = await _client.ReadAsync(_disk, 12345, 70000);
        Assert.Equal(content.AsSpan(12345, 70000).ToArray(), middle.Data);
        Assert.False(middle.Eof);
        Assert.Equal((ulong)NfsTestServer.DiskSize, middle.Attributes!.Value.Size);

        var tail = await _client.ReadAsync(_disk, NfsTestServer.DiskSize - 100, 4096);
        Assert.Equal(content.AsSpan(NfsTestServer.DiskSize - 100).ToArray(), tail.Data);
        Assert.True(tail.Eof);

        var beyond = await _client.ReadAsync(_disk, NfsTestServer.DiskSize + 1, 4096);
        Assert.Equal(Nfs3Status.Ok, beyond.Status);
        Assert.Empty(beyond.Data);
        Assert.True(beyond.Eof);

        var capped = await _client.ReadAsync(_disk, 0, 3 * 1024 * 1024);
        Assert.Equal(1024 * 1024, capped.Data.Length);
        Assert.Equal(content.AsSpan(0, 1024 * 1024).ToArray(), capped.Data);

        var config = await _client.ReadAsync(await _client.LookupOkAsync(_vm, NfsTestServer.ConfigName), 0, 4096);
        Assert.Equal(NfsTestServer.ConfigContent, config.Data);
        Assert.True(config.Eof);

        Assert.Equal(Nfs3Status.IsDir, (await _client.ReadAsync(_vm, 0, 10)).Status);
    }

    [Fact]
    public async Task Write_reports_stability_and_verifier_and_changes_mtime()
    {
        // An mtime set long before now, so the write's is later however coarse the clock is, without waiting for it to tick.
        var past = new SetTime3(TimeHow.SetToClientTime, new NfsTime3(1_000_000, 0));
        Assert.Equal(Nfs3Status.Ok, (await _client.SetAttrAsync(_disk, new Sattr3(null, null, null, null, default, past))).Status);
        var (_, before) = await _client.GetAttrAsync(_disk);
        Assert.Equal(1_000_000u, before.Mtime.Seconds);
        var data = new byte[8192];
        new Random(3).NextBytes(data);

        var unstable = await _client.WriteAsync(_disk, 40960, data, StableHow.Unstable);
        Assert.Equal(Nfs3Status.Ok, unstable.Status);
        Assert.Equal(8192u, unstable.Count);
        Assert.Equal(StableHow.Unstable, unstable.Committed);
        Assert.Equal(_server.Disk.WriteVerifier, unstable.Verifier);
        Assert.Equal(before.Size, unstable.Wcc.Before!.Value.Size);
        Assert.True(unstable.Wcc.After!.Value.Mtime.ToUnixNanoseconds() > before.Mtime.ToUnixNanoseconds());

        var stable = await _client.WriteAsync(_disk, 0, data, StableHow.FileSync);
        Assert.Equal(StableHow.FileSync, stable.Committed);
        Assert.Equal(StableHow.FileSync, _server.Disk.LastStability);
        Assert.Equal(data, _server.Disk.Snapshot().AsSpan(40960, 8192).ToArray());
        Assert.Equal(data, (await _client.ReadAsync(_disk, 0, 8192)).Data);
    }

    [Fact]
    public async Task Write_refuses_generated_files_the_end_of_a_disk_and_more_than_wtmax()
    {
        var config = await _client.LookupOkAsync(_vm, NfsTestServer.ConfigName);
        Assert.Equal(Nfs3Status.Acces, (await _client.WriteAsync(config, 0, [1, 2, 3])).Status);
        Assert.Equal(Nfs3Status.FBig, (await _client.WriteAsync(_disk, NfsTestServer.DiskSize - 2, [1, 2, 3])).Status);
        Assert.Equal(Nfs3Status.FBig, (await _client.WriteAsync(_disk, ulong.MaxValue - 1, [1, 2, 3])).Status);
        Assert.Equal(Nfs3Status.Inval, (await _client.WriteAsync(_disk, 0, new byte[(1024 * 1024) + 4096])).Status);
        Assert.Equal(Nfs3Status.IsDir, (await _client.WriteAsync(_vm, 0, [1])).Status);

        // A count larger than the data sent is inconsistent.
        var reply = await _client.CallNfsAsync(Nfs3Proc.Write, w => new Write3Args(new Nfs3FileHandle(_disk), 0, 100, StableHow.FileSync, new byte[10]).Encode(w));
        Assert.Equal(Nfs3Status.Inval, NfsTestClient.DecodeWrite(NfsTestClient.Results(reply)).Status);
    }

    [Fact]
    public async Task Commit_makes_the_disk_durable_and_returns_its_verifier()
    {
        await _client.WriteAsync(_disk, 0, new byte[512], StableHow.Unstable);
        var (status, wcc, verifier) = await _client.CommitAsync(_disk);
        Assert.Equal(Nfs3Status.Ok, status);
        Assert.Equal(_server.Disk.WriteVerifier, verifier);
        Assert.NotNull(wcc.After);
        Assert.Equal(1, _server.Disk.Commits);
        Assert.Equal(Nfs3Status.IsDir, (await _client.CommitAsync(_vm)).Status);
    }

    [Fact]
    public async Task Create_unchecked_guarded_and_exclusive()
    {
        var created = await _client.CreateAsync(_vm, "vm1.lck", CreateMode3.Unchecked, new Sattr3(0x180, null, null, null, default, default));
        Assert.Equal(Nfs3Status.Ok, created.Status);
        Assert.Equal(0x180u, created.Attributes!.Value.Mode);
        Assert.Equal(Ftype3.Reg, created.Attributes.Value.Type);
        Assert.NotNull(created.DirWcc.After);

        var again = await _client.CreateAsync(_vm, "vm1.lck");
        Assert.Equal(Nfs3Status.Ok, again.Status);
        Assert.Equal(created.Handle, again.Handle);

        Assert.Equal(Nfs3Status.Exist, (await _client.CreateAsync(_vm, "vm1.lck", CreateMode3.Guarded)).Status);
        Assert.Equal(Nfs3Status.Exist, (await _client.CreateAsync(_vm, "disk0.raw", CreateMode3.Guarded)).Status);
        Assert.Equal(Nfs3Status.Acces, (await _client.CreateAsync(_root, "new-vm", CreateMode3.Guarded)).Status);

        var exclusive = await _client.CreateAsync(_vm, "vmware.log", CreateMode3.Exclusive, verifier: 0x0102030405060708);
        Assert.Equal(Nfs3Status.Ok, exclusive.Status);
        var retry = await _client.CreateAsync(_vm, "vmware.log", CreateMode3.Exclusive, verifier: 0x0102030405060708);
        Assert.Equal(Nfs3Status.Ok, retry.Status);
        Assert.Equal(exclusive.Handle, retry.Handle);
        Assert.Equal(Nfs3Status.Exist, (await _client.CreateAsync(_vm, "vmware.log", CreateMode3.Exclusive, verifier: 99)).Status);
    }

    [Fact]
    public async Task Create_unchecked_of_an_existing_file_truncates_it_to_the_size_asked()
    {
        var file = (await _client.CreateAsync(_vm, "swap")).Handle!;
        await _client.WriteAsync(file, 0, new byte[10000]);
        var truncated = await _client.CreateAsync(_vm, "swap", CreateMode3.Unchecked, new Sattr3(null, null, null, 0, default, default));
        Assert.Equal(Nfs3Status.Ok, truncated.Status);
        Assert.Equal(0ul, truncated.Attributes!.Value.Size);
    }

    [Fact]
    public async Task MkDir_RmDir_and_files_inside_a_client_folder()
    {
        var dir = await _client.MkDirAsync(_vm, "snapshots");
        Assert.Equal(Nfs3Status.Ok, dir.Status);
        Assert.Equal(Ftype3.Dir, dir.Attributes!.Value.Type);
        Assert.Equal(Nfs3Status.Exist, (await _client.MkDirAsync(_vm, "snapshots")).Status);
        Assert.Equal(Nfs3Status.Exist, (await _client.MkDirAsync(_vm, "disk0.raw")).Status);
        Assert.Equal(Nfs3Status.Acces, (await _client.MkDirAsync(_root, "vm2")).Status);

        var inner = await _client.CreateAsync(dir.Handle!, "delta.raw");
        Assert.Equal(Nfs3Status.Ok, inner.Status);
        Assert.Equal(dir.Handle, await _client.LookupOkAsync(dir.Handle!, "."));
        Assert.Equal(_vm, await _client.LookupOkAsync(dir.Handle!, ".."));
        Assert.True(File.Exists(Path.Combine(_server.CacheFolder, "client-files", "snapshots", "delta.raw")));

        Assert.Equal(Nfs3Status.NotEmpty, (await _client.RemoveAsync(_vm, "snapshots", directory: true)).Status);
        Assert.Equal(Nfs3Status.IsDir, (await _client.RemoveAsync(_vm, "snapshots")).Status);
        Assert.Equal(Nfs3Status.Ok, (await _client.RemoveAsync(dir.Handle!, "delta.raw")).Status);
        Assert.Equal(Nfs3Status.Ok, (await _client.RemoveAsync(_vm, "snapshots", directory: true)).Status);
        Assert.Equal(Nfs3Status.Stale, (await _client.GetAttrAsync(dir.Handle!)).Status);
    }

    [Fact]
    public async Task Symlink_and_ReadLink_store_the_target_without_following_it()
    {
        var link = await _client.SymlinkAsync(_vm, "up", "../../../../etc");
        Assert.Equal(Nfs3Status.Ok, link.Status);
        Assert.Equal(Ftype3.Lnk, link.Attributes!.Value.Type);
        Assert.Equal((Nfs3Status.Ok, "../../../../etc"), await _client.ReadLinkAsync(link.Handle!));
        Assert.Equal(Nfs3Status.NotDir, (await _client.LookupAsync(link.Handle!, "passwd")).Status);
        Assert.Equal(Nfs3Status.Inval, (await _client.ReadAsync(link.Handle!, 0, 100)).Status);
        Assert.Equal(Nfs3Status.Inval, (await _client.ReadLinkAsync(_disk)).Status);
        Assert.Equal(Nfs3Status.Exist, (await _client.SymlinkAsync(_vm, "up", "x")).Status);
    }

    [Fact]
    public async Task MkNod_and_Link_are_not_supported()
    {
        var mknod = await _client.CallNfsAsync(Nfs3Proc.MkNod, w => new MkNod3Args(new DirOpArgs3(new Nfs3FileHandle(_vm), "fifo"), Ftype3.Fifo, default, 0, 0).Encode(w));
        Assert.Equal(Nfs3Status.NotSupp, NfsTestClient.DecodeCreate(NfsTestClient.Results(mknod)).Status);

        var link = await _client.CallNfsAsync(Nfs3Proc.Link, w => new Link3Args(new Nfs3FileHandle(_disk), new DirOpArgs3(new Nfs3FileHandle(_vm), "hard")).Encode(w));
        Assert.Equal((uint)Nfs3Status.NotSupp, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(NfsTestClient.Results(link).Span));
    }

    [Fact]
    public async Task Remove_refuses_generated_and_disk_files()
    {
        Assert.Equal(Nfs3Status.Acces, (await _client.RemoveAsync(_vm, NfsTestServer.ConfigName)).Status);
        Assert.Equal(Nfs3Status.Acces, (await _client.RemoveAsync(_vm, "disk0-flat.vmdk")).Status);
        Assert.Equal(Nfs3Status.NoEnt, (await _client.RemoveAsync(_vm, "nothing")).Status);
        Assert.Equal(Nfs3Status.Inval, (await _client.RemoveAsync(_vm, ".")).Status);
        Assert.Equal(Nfs3Status.Acces, (await _client.RemoveAsync(_root, "vm1", directory: true)).Status);
        Assert.Equal(Nfs3Status.Ok, (await _client.LookupAsync(_vm, "disk0.raw")).Status);
    }

    [Fact]
    public async Task Rename_moves_client_files_and_keeps_their_handles()
    {
        var file = (await _client.CreateAsync(_vm, "vmware.log")).Handle!;
        await _client.WriteAsync(file, 0, "line 1\n"u8.ToArray());
        var dir = (await _client.MkDirAsync(_vm, "old")).Handle!;

        Assert.Equal(Nfs3Status.Ok, await _client.RenameAsync(_vm, "vmware.log", dir, "vmware-1.log"));
        Assert.Equal(Nfs3Status.NoEnt, (await _client.LookupAsync(_vm, "vmware.log")).Status);
        Assert.Equal(file, await _client.LookupOkAsync(dir, "vmware-1.log"));
        Assert.Equal("line 1\n"u8.ToArray(), (await _client.ReadAsync(file, 0, 100)).Data);

        Assert.Equal(Nfs3Status.Acces, await _client.RenameAsync(dir, "vmware-1.log", _vm, "disk0.raw"));
        Assert.Equal(Nfs3Status.Acces, await _client.RenameAsync(_vm, NfsTestServer.ConfigName, _vm, "x.json"));
        Assert.Equal(Nfs3Status.Acces, await _client.RenameAsync(_vm, "vmware.log", _vm, "a/b"));
        Assert.Equal(Nfs3Status.XDev, await _client.RenameAsync(_vm, "old", _root, "old"));
        Assert.Equal(Nfs3Status.Inval, await _client.RenameAsync(_vm, "old", dir, "inside"));
    }

    [Fact]
    public async Task ReadDir_pages_with_cookies_and_checks_the_verifier()
    {
        for (var i = 0; i < 40; i++)
        {
            Assert.Equal(Nfs3Status.Ok, (await _client.CreateAsync(_vm, $"file-with-a-longish-name-{i:D3}.log")).Status);
        }

        var all = await _client.ListAllAsync(_vm, plus: false, count: 100_000);
        var paged = await _client.ListAllAsync(_vm, plus: false, count: 600);
        var names = all.Select(e => e.Name).ToList();
        Assert.Equal(names, paged.Select(e => e.Name).ToList());
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.Contains(".", names);
        Assert.Contains("..", names);
        Assert.Contains("disk0.raw", names);
        Assert.Contains("disk0-flat.vmdk", names);
        Assert.Contains(NfsTestServer.ConfigName, names);
        Assert.Equal(40, names.Count(n => n.StartsWith("file-with", StringComparison.Ordinal)));
        Assert.Equal(all.Single(e => e.Name == "disk0.raw").FileId, all.Single(e => e.Name == "disk0-flat.vmdk").FileId);

        var first = await _client.ReadDirAsync(_vm, 0, 0, 600);
        Assert.False(first.Eof);
        var badVerifier = await _client.ReadDirAsync(_vm, first.Entries[^1].Cookie, first.CookieVerifier ^ 0xff, 600);
        Assert.Equal(Nfs3Status.BadCookie, badVerifier.Status);
        Assert.Equal(Nfs3Status.TooSmall, (await _client.ReadDirAsync(_vm, 0, 0, 64)).Status);
        Assert.Equal(Nfs3Status.NotDir, (await _client.ReadDirAsync(_disk)).Status);
    }

    [Fact]
    public async Task ReadDirPlus_returns_handles_and_attributes_within_maxcount()
    {
        await _client.MkDirAsync(_vm, "sub");
        var entries = await _client.ListAllAsync(_vm, plus: true, count: 700);
        var disk = entries.Single(e => e.Name == "disk0.raw");
        Assert.Equal(_disk, disk.Handle);
        Assert.Equal((ulong)NfsTestServer.DiskSize, disk.Attributes!.Value.Size);
        var sub = entries.Single(e => e.Name == "sub");
        Assert.Equal(Ftype3.Dir, sub.Attributes!.Value.Type);
        Assert.Equal(sub.Handle, await _client.LookupOkAsync(_vm, "sub"));

        var rootEntries = await _client.ListAllAsync(_root, plus: true);
        Assert.Equal(_vm, rootEntries.Single(e => e.Name == "vm1").Handle);
    }

    [Fact]
    public async Task FsStat_FsInfo_and_PathConf_describe_the_datastore()
    {
        var fsstat = await _client.CallNfsAsync(Nfs3Proc.FsStat, w => w.WriteOpaque(_vm));
        var reader = new OncRpc.Xdr.XdrReader(NfsTestClient.Results(fsstat).Span);
        Assert.Equal((uint)Nfs3Status.Ok, reader.ReadUInt32());
        Fattr3.DecodePostOp(ref reader);
        var total = reader.ReadUInt64();
        var free = reader.ReadUInt64();
        Assert.True(total > 0 && free <= total);

        var info = await _client.FsInfoAsync(_root);
        Assert.Equal(Nfs3Status.Ok, info.Status);
        Assert.Equal(1024u * 1024, info.RtMax);
        Assert.Equal(1024u * 1024, info.WtMax);
        Assert.Equal(128u * 1024, info.RtPref);
        Assert.Equal(FsInfo3Properties.Homogeneous | FsInfo3Properties.CanSetTime | FsInfo3Properties.Symlink, info.Properties);
        Assert.Equal(new NfsTime3(0, 1), info.TimeDelta);

        var pathconf = await _client.CallNfsAsync(Nfs3Proc.PathConf, w => w.WriteOpaque(_disk));
        reader = new OncRpc.Xdr.XdrReader(NfsTestClient.Results(pathconf).Span);
        Assert.Equal((uint)Nfs3Status.Ok, reader.ReadUInt32());
        Fattr3.DecodePostOp(ref reader);
        Assert.Equal(1u, reader.ReadUInt32());
        Assert.Equal(255u, reader.ReadUInt32());
        Assert.True(reader.ReadBool());
    }

    [Fact]
    public async Task SetAttr_truncates_extends_changes_mode_and_times_and_checks_the_guard()
    {
        var file = (await _client.CreateAsync(_vm, "nvram")).Handle!;
        await _client.WriteAsync(file, 0, new byte[5000]);

        var (status, wcc) = await _client.SetAttrAsync(file, new Sattr3(0x1A0, null, null, 100, default, new SetTime3(TimeHow.SetToClientTime, new NfsTime3(1_000_000, 5))));
        Assert.Equal(Nfs3Status.Ok, status);
        Assert.Equal(5000ul, wcc.Before!.Value.Size);
        Assert.Equal(100ul, wcc.After!.Value.Size);
        Assert.Equal(0x1A0u, wcc.After.Value.Mode);
        Assert.Equal(new NfsTime3(1_000_000, 5), wcc.After.Value.Mtime);

        var (guardStatus, _) = await _client.SetAttrAsync(file, new Sattr3(null, null, null, 0, default, default), new NfsTime3(1, 1));
        Assert.Equal(Nfs3Status.NotSync, guardStatus);
        var ctime = wcc.After.Value.Ctime;
        Assert.Equal(Nfs3Status.Ok, (await _client.SetAttrAsync(file, new Sattr3(null, null, null, 8192, default, default), ctime)).Status);
        Assert.Equal(8192ul, (await _client.GetAttrAsync(file)).Attributes.Size);

        // SET_TO_SERVER_TIME takes the mtime from the set one of 1970 to the server's clock, and leaves the atime.
        var atime = (await _client.GetAttrAsync(file)).Attributes.Atime;
        var (nowStatus, nowWcc) = await _client.SetAttrAsync(file, new Sattr3(null, null, null, null, default, new SetTime3(TimeHow.SetToServerTime, default)));
        Assert.Equal(Nfs3Status.Ok, nowStatus);
        Assert.True(nowWcc.After!.Value.Mtime.Seconds > 1_000_000);
        Assert.Equal(atime, nowWcc.After.Value.Atime);

        Assert.Equal(Nfs3Status.Ok, (await _client.SetAttrAsync(_disk, new Sattr3(null, null, null, NfsTestServer.DiskSize * 2UL, default, default))).Status);
        Assert.Equal(NfsTestServer.DiskSize * 2L, _server.Disk.Length);

        var config = await _client.LookupOkAsync(_vm, NfsTestServer.ConfigName);
        Assert.Equal(Nfs3Status.Acces, (await _client.SetAttrAsync(config, new Sattr3(0x1FF, null, null, null, default, default))).Status);
        Assert.Equal(Nfs3Status.Acces, (await _client.SetAttrAsync(_root, new Sattr3(0x1FF, null, null, null, default, default))).Status);
    }
}
