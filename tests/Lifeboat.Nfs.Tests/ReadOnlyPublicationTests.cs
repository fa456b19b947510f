using System.Buffers.Binary;
using Lifeboat.Nfs.Datastore;
using Lifeboat.Nfs.Nfs3;
using Lifeboat.Nfs.Tests.Support;

namespace Lifeboat.Nfs.Tests;

/// <summary>
/// A read-only publication beside a writable one in the same server: every procedure that would change it answers
/// NFS3ERR_ROFS and changes nothing, ACCESS and FSINFO say so, reads are served; the writable one still takes writes.
/// </summary>
public sealed class ReadOnlyPublicationTests : IAsyncLifetime
{
    private const string Name = "ro";
    private NfsTestServer _server = null!;
    private NfsTestClient _client = null!;
    private MemoryDisk _disk = null!;
    private string _cacheFolder = null!;
    private byte[] _folder = null!;
    private byte[] _diskHandle = null!;

    public async Task InitializeAsync()
    {
        _server = await NfsTestServer.StartAsync();
        _disk = MemoryDisk.Random(NfsTestServer.DiskSize, seed: 11);
        _cacheFolder = Path.Combine(Path.GetDirectoryName(_server.CacheFolder)!, "cache-" + Name);
        // A file a client made while the publication was writable (the restart case): it is served, never changed.
        Directory.CreateDirectory(Path.Combine(_cacheFolder, DatastorePublication.ClientFilesFolderName));
        await File.WriteAllTextAsync(Path.Combine(_cacheFolder, DatastorePublication.ClientFilesFolderName, "kept.txt"), "kept");
        _server.Server.Publish(Name, [new DatastoreFile("ro.vmx", NfsTestServer.VmxContent)], [_disk], _cacheFolder, readOnly: true);
        _client = await _server.ConnectAsync();
        _folder = await _client.MountOkAsync("/lifeboat/" + Name);
        _diskHandle = await _client.LookupOkAsync(_folder, "disk0.raw");
    }

    public async Task DisposeAsync()
    {
        await _client.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Every_change_is_refused_with_ROFS_and_nothing_changes()
    {
        var before = _disk.Snapshot();
        var files = Files();
        var kept = await _client.LookupOkAsync(_folder, "kept.txt");

        Assert.Equal(Nfs3Status.RoFs, (await _client.WriteAsync(_diskHandle, 4096, [1, 2, 3])).Status);
        Assert.Equal(Nfs3Status.RoFs, (await _client.WriteAsync(kept, 0, [1, 2, 3])).Status);
        Assert.Equal(Nfs3Status.RoFs, (await _client.CommitAsync(_diskHandle)).Status);
        Assert.Equal(Nfs3Status.RoFs, (await _client.SetAttrAsync(_diskHandle, new Sattr3(null, null, null, 4096, default, default))).Status);
        Assert.Equal(Nfs3Status.RoFs, (await _client.SetAttrAsync(kept, new Sattr3(0x1FF, null, null, null, default, default))).Status);
        Assert.Equal(Nfs3Status.RoFs, (await _client.CreateAsync(_folder, "ro.lck")).Status);
        Assert.Equal(Nfs3Status.RoFs, (await _client.MkDirAsync(_folder, "snapshots")).Status);
        Assert.Equal(Nfs3Status.RoFs, (await _client.SymlinkAsync(_folder, "link", "kept.txt")).Status);
        Assert.Equal(Nfs3Status.RoFs, (await _client.RemoveAsync(_folder, "kept.txt")).Status);
        Assert.Equal(Nfs3Status.RoFs, await _client.RenameAsync(_folder, "kept.txt", _folder, "moved.txt"));
        var mknod = await _client.CallNfsAsync(Nfs3Proc.MkNod, w => new MkNod3Args(new DirOpArgs3(new Nfs3FileHandle(_folder), "fifo"), Ftype3.Fifo, default, 0, 0).Encode(w));
        Assert.Equal(Nfs3Status.RoFs, NfsTestClient.DecodeCreate(NfsTestClient.Results(mknod)).Status);
        var link = await _client.CallNfsAsync(Nfs3Proc.Link, w => new Link3Args(new Nfs3FileHandle(kept), new DirOpArgs3(new Nfs3FileHandle(_folder), "hard")).Encode(w));
        Assert.Equal((uint)Nfs3Status.RoFs, BinaryPrimitives.ReadUInt32BigEndian(NfsTestClient.Results(link).Span));

        Assert.Equal(before, _disk.Snapshot());
        Assert.Equal(0, _disk.Commits);
        Assert.Equal(files, Files());
        Assert.Equal("kept", await File.ReadAllTextAsync(Path.Combine(_cacheFolder, DatastorePublication.ClientFilesFolderName, "kept.txt")));
        Assert.Equal(Nfs3Status.Ok, (await _client.LookupAsync(_folder, "kept.txt")).Status);
        Assert.Equal(Nfs3Status.NoEnt, (await _client.LookupAsync(_folder, "ro.lck")).Status);
    }

    [Fact]
    public async Task Reads_are_served_and_ACCESS_and_FSINFO_grant_no_change()
    {
        var read = await _client.ReadAsync(_diskHandle, 65536, 65536);
        Assert.Equal(Nfs3Status.Ok, read.Status);
        Assert.Equal(_disk.Snapshot().AsSpan(65536, 65536).ToArray(), read.Data);

        var (fileStatus, fileAccess) = await _client.AccessAsync(_diskHandle);
        Assert.Equal(Nfs3Status.Ok, fileStatus);
        Assert.Equal(Access3.Read, fileAccess & (Access3.Read | Access3.Modify | Access3.Extend | Access3.Delete));
        var (_, folderAccess) = await _client.AccessAsync(_folder);
        Assert.Equal(Access3.Read | Access3.Lookup, folderAccess & (Access3.Read | Access3.Lookup | Access3.Modify | Access3.Extend | Access3.Delete));

        var fsInfo = await _client.FsInfoAsync(_folder);
        Assert.Equal(Nfs3Status.Ok, fsInfo.Status);
        Assert.False(fsInfo.Properties.HasFlag(FsInfo3Properties.CanSetTime));
    }

    [Fact]
    public async Task The_writable_publication_beside_it_still_takes_writes()
    {
        var vm = await _client.MountOkAsync("/lifeboat/" + NfsTestServer.Publication);
        var disk = await _client.LookupOkAsync(vm, "disk0.raw");
        Assert.Equal(Nfs3Status.Ok, (await _client.WriteAsync(disk, 4096, [1, 2, 3])).Status);
        Assert.Equal(Nfs3Status.Ok, (await _client.CreateAsync(vm, "vm1.lck")).Status);
        var (_, access) = await _client.AccessAsync(disk);
        Assert.True(access.HasFlag(Access3.Modify));
        Assert.True((await _client.FsInfoAsync(vm)).Properties.HasFlag(FsInfo3Properties.CanSetTime));
    }

    private string[] Files() =>
        [.. Directory.EnumerateFileSystemEntries(_cacheFolder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];
}
