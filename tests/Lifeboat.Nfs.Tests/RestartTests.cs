using Lifeboat.Nfs.Nfs3;
using Lifeboat.Nfs.Tests.Support;

namespace Lifeboat.Nfs.Tests;

/// <summary>A VM keeps its handles when the mount server restarts over the same publications and caches.</summary>
public sealed class RestartTests
{
    [Fact]
    public async Task Handles_of_every_kind_stay_valid_across_a_restart()
    {
        using var folder = new TestFolder();
        var disk = MemoryDisk.Random(NfsTestServer.DiskSize, seed: 5);
        byte[] root, vm, diskHandle, config, lockFile, snapshots, delta, link;
        ulong localVerifier;
        await using (var first = await NfsTestServer.StartAsync(folder, disk))
        {
            await using var client = await first.ConnectAsync();
            root = await client.MountOkAsync("/lifeboat");
            vm = await client.LookupOkAsync(root, "vm1");
            diskHandle = await client.LookupOkAsync(vm, "disk0.raw");
            config = await client.LookupOkAsync(vm, NfsTestServer.ConfigName);
            lockFile = (await client.CreateAsync(vm, "vm1.lck")).Handle!;
            localVerifier = (await client.WriteAsync(lockFile, 0, "locked"u8.ToArray(), StableHow.Unstable)).Verifier;
            snapshots = (await client.MkDirAsync(vm, "snapshots")).Handle!;
            delta = (await client.CreateAsync(snapshots, "delta.raw")).Handle!;
            link = (await client.SymlinkAsync(vm, "current", "snapshots/delta.raw")).Handle!;
        }

        await using var second = await NfsTestServer.StartAsync(folder, disk);
        await using var again = await second.ConnectAsync();
        foreach (var handle in new[] { root, vm, diskHandle, config, lockFile, snapshots, delta, link })
        {
            Assert.Equal(Nfs3Status.Ok, (await again.GetAttrAsync(handle)).Status);
        }

        Assert.Equal(vm, await again.MountOkAsync("/lifeboat/vm1"));
        Assert.Equal(snapshots, await again.MountOkAsync("/lifeboat/vm1/snapshots"));
        Assert.Equal("locked"u8.ToArray(), (await again.ReadAsync(lockFile, 0, 100)).Data);
        Assert.Equal(disk.Snapshot().AsSpan(0, 4096).ToArray(), (await again.ReadAsync(diskHandle, 0, 4096)).Data);
        Assert.Equal((Nfs3Status.Ok, "snapshots/delta.raw"), await again.ReadLinkAsync(link));

        // UNSTABLE writes to client files may be lost by a restart: the verifier tells the client to resend them.
        Assert.NotEqual(localVerifier, (await again.WriteAsync(lockFile, 0, "again"u8.ToArray(), StableHow.Unstable)).Verifier);
    }

    [Fact]
    public async Task A_file_keeps_its_handle_when_its_folder_is_renamed_and_a_removed_file_goes_stale()
    {
        await using var server = await NfsTestServer.StartAsync();
        await using var client = await server.ConnectAsync();
        var vm = await client.MountOkAsync("/lifeboat/vm1");
        var dir = (await client.MkDirAsync(vm, "a")).Handle!;
        var file = (await client.CreateAsync(dir, "f")).Handle!;
        await client.WriteAsync(file, 0, [42]);

        Assert.Equal(Nfs3Status.Ok, await client.RenameAsync(vm, "a", vm, "b"));
        Assert.Equal([42], (await client.ReadAsync(file, 0, 10)).Data);
        Assert.Equal(dir, await client.LookupOkAsync(vm, "b"));

        Assert.Equal(Nfs3Status.Ok, (await client.RemoveAsync(dir, "f")).Status);
        Assert.Equal(Nfs3Status.Stale, (await client.GetAttrAsync(file)).Status);

        // A new file that may reuse the inode number does not answer to the old handle.
        var newcomer = (await client.CreateAsync(dir, "g")).Handle!;
        Assert.NotEqual(file, newcomer);
        Assert.Equal(Nfs3Status.Stale, (await client.ReadAsync(file, 0, 10)).Status);
    }
}
