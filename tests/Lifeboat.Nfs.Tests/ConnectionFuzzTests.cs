using System.Buffers.Binary;
using Lifeboat.Nfs.Nfs3;
using Lifeboat.Nfs.Tests.Support;
using Lifeboat.OncRpc.Client;
using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.Nfs.Tests;

/// <summary>
/// Fuzzing through the real connection: byte streams made of real MOUNT and NFS calls, mutated, cut into fragments
/// of any length and sent in pieces of any size, go to a running mount server over TCP. The oracle: every reply is a
/// well-formed RPC reply whose XID is the XID of one of the records sent on that connection (never bytes taken from
/// elsewhere), each record is answered at most once, the server closes every connection once the client has
/// finished, and it serves a well-behaved client afterwards.
/// </summary>
public sealed class ConnectionFuzzTests
{
    private const int Inputs = 1500;
    private const int ConnectionsAtOnce = 8;

    [Fact]
    public async Task Mutated_and_refragmented_call_streams_through_the_real_connection()
    {
        await using var server = await NfsTestServer.StartAsync();
        byte[] vm;
        byte[] disk;
        await using (var client = await server.ConnectAsync())
        {
            vm = await client.MountOkAsync("/lifeboat/vm1");
            disk = await client.LookupOkAsync(vm, "disk0.raw");
        }

        var calls = RawCalls.ReadOnly(vm, disk);
        var seeds = Enumerable.Range(0, Inputs).ToList();
        for (var batch = 0; batch < seeds.Count; batch += ConnectionsAtOnce)
        {
            await Task.WhenAll(seeds.Skip(batch).Take(ConnectionsAtOnce).Select(seed => RunOneAsync(server.Port, seed, calls, disk)));
        }

        await using var after = await server.ConnectAsync();
        var root = await after.MountOkAsync("/lifeboat/vm1");
        Assert.Equal(Nfs3Status.Ok, (await after.ReadAsync(await after.LookupOkAsync(root, "disk0.raw"), 0, 4096)).Status);
    }

    private static async Task RunOneAsync(int port, int seed, List<(string Name, uint Program, uint Version, uint Procedure, byte[] Arguments)> calls, byte[] disk)
    {
        var random = new Random(seed);
        var xids = new Dictionary<uint, int>();
        var stream = new List<byte>();
        var records = random.Next(1, 6);
        for (var i = 0; i < records; i++)
        {
            var xid = 0x4803_0000u + (uint)(seed * 8 + i);
            byte[] message;
            if (random.Next(4) == 0)
            {
                var data = new byte[random.Next(0, 600)];
                random.NextBytes(data);
                message = RpcMessages.AuthSysCall(xid, Nfs3Constants.Program, Nfs3Constants.Version, (uint)Nfs3Proc.Write,
                    RawCalls.WriteArguments(disk, (ulong)random.Next(0, NfsTestServer.DiskSize), data, StableHow.Unstable));
            }
            else
            {
                var (_, program, version, procedure, arguments) = calls[random.Next(calls.Count)];
                message = RpcMessages.AuthSysCall(xid, program, version, procedure, arguments);
            }

            Mutate(message, random);
            // A mutation may have hit the XID itself: the oracle accepts whatever XID the record carries.
            if (message.Length >= 4)
            {
                var carried = BinaryPrimitives.ReadUInt32BigEndian(message);
                xids[carried] = xids.GetValueOrDefault(carried) + 1;
            }

            stream.AddRange(RpcRecords.FrameRandomly(message, random, 80));
        }

        if (random.Next(10) == 0)
        {
            // A torn record at the end: the server must drop it, not answer it.
            stream.RemoveRange(stream.Count - random.Next(1, Math.Min(stream.Count, 40)), random.Next(1, 2));
        }

        using var raw = await RawRpcConnection.ConnectAsync(port);
        var bytes = stream.ToArray();
        for (var offset = 0; offset < bytes.Length;)
        {
            var length = Math.Min(bytes.Length - offset, random.Next(1, 200));
            try
            {
                await raw.SendAsync(bytes.AsMemory(offset, length));
            }
            catch (System.Net.Sockets.SocketException)
            {
                // The server closed a connection it found malformed: what it answered before still has to be right.
                break;
            }

            offset += length;
        }

        try
        {
            raw.EndSending();
        }
        catch (System.Net.Sockets.SocketException)
        {
        }

        foreach (var body in await raw.ReceiveUntilClosedAsync(TimeSpan.FromSeconds(20)))
        {
            var reply = RpcReply.Parse(body);
            Assert.True(xids.TryGetValue(reply.Xid, out var left) && left > 0, $"seed {seed}: reply XID {reply.Xid:x8} is no record's XID");
            xids[reply.Xid] = left - 1;
        }
    }

    /// <summary>Most records go out intact (their replies are checked the hardest); the others get the usual damage.</summary>
    private static void Mutate(byte[] message, Random random)
    {
        switch (random.Next(8))
        {
            case 0:
                message[random.Next(message.Length)] ^= (byte)(1 << random.Next(8));
                break;
            case 1:
                var at = random.Next(message.Length / 4) * 4;
                BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(at), random.Next(3) switch
                {
                    0 => uint.MaxValue,
                    1 => 0x7FFF_FFFF,
                    _ => (uint)random.Next(0, 5000),
                });
                break;
            case 2:
                random.NextBytes(message.AsSpan(random.Next(message.Length)));
                break;
        }
    }
}
