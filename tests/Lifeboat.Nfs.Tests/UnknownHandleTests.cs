using System.Buffers.Binary;
using System.Diagnostics;
using Lifeboat.Nfs.Datastore;
using Lifeboat.Nfs.Nfs3;
using Lifeboat.Nfs.Tests.Support;

namespace Lifeboat.Nfs.Tests;

/// <summary>
/// Handles are not authenticated: a client can send any inode number. Placing one the server does not know may need a
/// scan of the publication's client files folder; these tests hold the server to doing that at most at its rate, and
/// to needing no scan at all for what it has seen.
/// </summary>
public sealed class UnknownHandleTests
{
    private const int StormCalls = 10_000;
    private const int StormClients = 4;

    [Fact]
    public async Task A_storm_of_random_handles_costs_at_most_the_rescan_rate_and_other_clients_reads_go_on()
    {
        await using var server = await NfsTestServer.StartAsync();
        await using var client = await server.ConnectAsync();
        var vm = await client.MountOkAsync("/lifeboat/vm1");
        var folder = (await client.MkDirAsync(vm, "snapshots")).Handle!;
        var file = (await client.CreateAsync(folder, "delta.raw")).Handle!;
        var disk = await client.LookupOkAsync(vm, "disk0.raw");
        var expected = server.Disk.Snapshot().AsSpan(0, 4096).ToArray();

        var clock = Stopwatch.StartNew();
        using var storming = new CancellationTokenSource();
        var reader = Task.Run(async () =>
        {
            await using var other = await server.ConnectAsync();
            var reads = 0;
            while (!storming.IsCancellationRequested)
            {
                var read = await other.ReadAsync(disk, 0, 4096);
                Assert.Equal(Nfs3Status.Ok, read.Status);
                Assert.Equal(expected, read.Data);
                reads++;
            }

            return reads;
        });
        var statuses = await Task.WhenAll(Enumerable.Range(0, StormClients).Select(seed => StormAsync(server, file, seed)));
        storming.Cancel();
        var elapsed = clock.Elapsed;
        var readsDuringStorm = await reader;

        Assert.All(statuses.SelectMany(s => s), status => Assert.True(status is Nfs3Status.Stale or Nfs3Status.Jukebox, $"a random handle got {status}"));
        var allowed = 1 + (long)(elapsed / TimeSpan.FromSeconds(1));
        Assert.True(server.Rescans <= allowed, $"{server.Rescans} scans of the folder in {elapsed.TotalSeconds:0.0} s; the rate allows {allowed}");
        Assert.True(readsDuringStorm > 0, "the other client's reads stopped during the storm");
        Assert.Equal(Nfs3Status.Ok, (await client.GetAttrAsync(file)).Status);
    }

    [Fact]
    public async Task A_handle_needing_a_scan_within_the_rate_limit_gets_jukebox_and_a_later_scan_places_it()
    {
        using var folder = new TestFolder();
        var disk = MemoryDisk.Random(NfsTestServer.DiskSize, seed: 3);
        byte[] file;
        await using (var first = await NfsTestServer.StartAsync(folder, disk))
        {
            await using var client = await first.ConnectAsync();
            var vm = await client.MountOkAsync("/lifeboat/vm1");
            file = (await client.CreateAsync(vm, "a.log")).Handle!;
        }

        await using (var restarted = await NfsTestServer.StartAsync(folder, disk, minRescanInterval: TimeSpan.FromHours(1)))
        {
            await using var client = await restarted.ConnectAsync();
            Assert.Equal(Nfs3Status.Ok, (await client.GetAttrAsync(file)).Status);
            Assert.Equal(1, restarted.Rescans);

            // Behind the server's back: the map's path is wrong now, and the hour's one scan is spent.
            File.Move(Path.Combine(restarted.ClientFilesFolder, "a.log"), Path.Combine(restarted.ClientFilesFolder, "b.log"));
            for (var i = 0; i < 1000; i++)
            {
                Assert.Equal(Nfs3Status.Jukebox, (await client.GetAttrAsync(file)).Status);
            }

            Assert.Equal(1, restarted.Rescans);
        }

        await using var again = await NfsTestServer.StartAsync(folder, disk);
        await using var later = await again.ConnectAsync();
        Assert.Equal(Nfs3Status.Ok, (await later.GetAttrAsync(file)).Status);
        var vmAgain = await later.MountOkAsync("/lifeboat/vm1");
        Assert.Equal(file, await later.LookupOkAsync(vmAgain, "b.log"));
    }

    [Fact]
    public async Task Renames_through_the_server_keep_every_handle_below_them_placed_without_a_scan()
    {
        await using var server = await NfsTestServer.StartAsync();
        await using var client = await server.ConnectAsync();
        var vm = await client.MountOkAsync("/lifeboat/vm1");
        var snapshots = (await client.MkDirAsync(vm, "snapshots")).Handle!;
        var nested = (await client.MkDirAsync(snapshots, "day1")).Handle!;
        var delta = (await client.CreateAsync(nested, "delta.raw")).Handle!;
        var kept = (await client.CreateAsync(vm, "kept.log")).Handle!;
        var replaced = (await client.CreateAsync(vm, "replaced.log")).Handle!;
        var rescansBefore = server.Rescans;

        Assert.Equal(Nfs3Status.Ok, await client.RenameAsync(vm, "snapshots", vm, "old-snapshots"));
        Assert.Equal(Nfs3Status.Ok, await client.RenameAsync(vm, "kept.log", vm, "replaced.log"));

        foreach (var handle in new[] { snapshots, nested, delta, kept })
        {
            Assert.Equal(Nfs3Status.Ok, (await client.GetAttrAsync(handle)).Status);
        }

        Assert.Equal(Nfs3Status.Stale, (await client.GetAttrAsync(replaced)).Status);
        Assert.Equal(rescansBefore, server.Rescans);
        Assert.Equal(delta, await client.LookupOkAsync(await client.LookupOkAsync(await client.LookupOkAsync(vm, "old-snapshots"), "day1"), "delta.raw"));
    }

    private static async Task<List<Nfs3Status>> StormAsync(NfsTestServer server, byte[] known, int seed)
    {
        await using var client = await server.ConnectAsync();
        var random = new Random(seed);
        var statuses = new List<Nfs3Status>(StormCalls / StormClients);
        for (var i = 0; i < StormCalls / StormClients; i++)
        {
            var forged = (byte[])known.Clone();
            BinaryPrimitives.WriteUInt64BigEndian(forged.AsSpan(20), (ulong)random.NextInt64(1, long.MaxValue));
            statuses.Add((await client.GetAttrAsync(forged)).Status);
        }

        return statuses;
    }
}
