using System.Buffers.Binary;
using System.Net;
using Lifeboat.Nfs.Datastore;
using Lifeboat.Nfs.Mount;
using Lifeboat.Nfs.Nfs3;
using Lifeboat.OncRpc.Client;
using Lifeboat.OncRpc.Peers;
using Lifeboat.OncRpc.Portmap;
using Lifeboat.OncRpc.Rpc;
using Lifeboat.OncRpc.Server;
using Lifeboat.OncRpc.Xdr;
using Lifeboat.Testing.Rpc;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Fuzz;

/// <summary>
/// Streams of MOUNT, NFS and portmap calls through the real <c>RpcConnection</c> in memory, cut at random offsets,
/// a third of them mutated, against one publication over a temp folder; one input in eight may change the tree. The oracle: no input makes a connection
/// throw, hang or log a failure; every byte the server writes is a reply our client can read; an unmutated
/// stream gets one reply per call; and the run did reach the local tree (files made, renamed and removed there,
/// handles of files that are not there answered STALE) with memory bounded.
/// </summary>
public sealed class NfsConnectionFuzzTests : IDisposable
{
    private const string Publication = "fuzz";
    private static readonly TimeSpan InputTimeout = TimeSpan.FromSeconds(30);

    // In memory where the machine has it: the run makes and syncs files by the ten thousand, and a disk's fsyncs would be most of its time.
    private readonly string _folder = Directory.Exists("/dev/shm")
        ? Directory.CreateDirectory(Path.Combine("/dev/shm", $"lifeboat-fuzz-{Guid.NewGuid():N}")).FullName
        : Directory.CreateTempSubdirectory("lifeboat-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Refragmented_and_mutated_calls_never_crash_a_connection_and_reach_the_local_tree()
    {
        using var fileSystem = new DatastoreFileSystem(new DatastoreOptions { DatastoreId = 0x4c69666562_6f6174 });
        fileSystem.Publish(Publication, [new DatastoreFile("lifeboat.json", "{}"u8.ToArray())], [new MemoryDisk(1 << 20)], _folder);
        var log = new CountingLogger<RpcServer>();
        await using var server = new RpcServer([new PortmapProgram(), new MountProgram(fileSystem), new Nfs3Program(fileSystem)], logger: log);
        var peer = RpcPeer.Tcp(new IPEndPoint(IPAddress.Loopback, 800), new IPEndPoint(IPAddress.Loopback, 2049), static (_, _) => 0, LifeboatGroup.System);
        var generator = new NfsCallGenerator(fileSystem.ExportPath, Publication);
        var statuses = new Dictionary<(Nfs3Proc, Nfs3Status), int>();
        var inputs = FuzzRun.Inputs(100_000);
        var seed = FuzzRun.Seed(20261207);

        // Two connections at a time, as two clients would: the programs' shared state sees concurrent calls too.
        long memoryBefore = 0;
        await Parallel.ForAsync(0, 2, async (worker, _) =>
        {
            var random = new Random(seed + worker);
            for (var i = worker; i < inputs; i += 2)
            {
                if (i == 2000)
                {
                    memoryBefore = GC.GetTotalMemory(forceFullCollection: true);
                }

                await RunInputAsync(server, peer, generator, random, statuses);
            }
        });

        var memoryAfter = GC.GetTotalMemory(forceFullCollection: true);
        Assert.True(log.FirstCritical is null, $"A connection logged a failure: {log.FirstCritical}");
        Assert.True(memoryAfter - memoryBefore < 64 << 20, $"The managed heap grew by {(memoryAfter - memoryBefore) >> 20} MiB over the run.");
        foreach (var procedure in new[] { Nfs3Proc.Create, Nfs3Proc.MkDir, Nfs3Proc.Remove, Nfs3Proc.Rename, Nfs3Proc.Write, Nfs3Proc.Read })
        {
            Assert.True(statuses.GetValueOrDefault((procedure, Nfs3Status.Ok)) > 0, $"No {procedure} succeeded: the run did not reach the local tree.");
        }

        Assert.True(statuses.Where(s => s.Key.Item2 == Nfs3Status.Stale).Sum(s => s.Value) > 0, "No handle was answered STALE: unknown handles did not reach the local tree.");
    }

    private static async Task RunInputAsync(RpcServer server, RpcPeer peer, NfsCallGenerator generator, Random random, Dictionary<(Nfs3Proc, Nfs3Status), int> statuses)
    {
        var calls = random.Next(1, 5);
        var heavy = random.Next(8) == 0;
        var procedures = new Dictionary<uint, uint>();
        var handles = new Dictionary<uint, byte[][]>();
        var used = new List<byte[]>();
        var stream = new List<byte>();
        for (var c = 0; c < calls; c++)
        {
            var call = generator.NextCall(random, heavy, used, out var xid);
            handles[xid] = [.. used];
            procedures[xid] = BinaryPrimitives.ReadUInt32BigEndian(call.AsSpan(4 + 12)) == Nfs3Constants.Program
                ? BinaryPrimitives.ReadUInt32BigEndian(call.AsSpan(4 + 20))
                : uint.MaxValue;
            stream.AddRange(call);
        }

        var mutated = random.Next(3) == 0;
        var input = mutated ? Mutations.Mutate(random, [.. stream]) : [.. stream];
        byte[] output;
        try
        {
            output = await PipeExchange.RunAsync(pipe => server.ServeAsync(pipe, peer), Mutations.Split(random, input), InputTimeout);
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException($"Input {Convert.ToHexString(input)} broke its connection.", ex);
        }

        var replies = RpcRecords.Replies(output, () => $" in reply to {Convert.ToHexString(input)}");
        foreach (var message in replies)
        {
            RpcReply reply;
            try
            {
                reply = RpcReply.Parse(message);
            }
            catch (XdrException ex)
            {
                throw new InvalidOperationException($"The server wrote a reply no client can read, to {Convert.ToHexString(input)}.", ex);
            }

            generator.Harvest(message.Span);
            if (reply.IsSuccess && procedures.TryGetValue(reply.Xid, out var procedure) && procedure != uint.MaxValue && reply.Results.Length >= 4)
            {
                var key = ((Nfs3Proc)procedure, (Nfs3Status)BinaryPrimitives.ReadUInt32BigEndian(reply.Results.Span));
                if (key.Item2 == Nfs3Status.Stale)
                {
                    generator.ForgetHandles(handles[reply.Xid]);
                }

                lock (statuses)
                {
                    statuses[key] = statuses.GetValueOrDefault(key) + 1;
                }
            }
        }

        if (!mutated)
        {
            Assert.Equal(calls, replies.Count);
        }
    }
}
