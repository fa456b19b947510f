using Lifeboat.OncRpc.Portmap;
using Lifeboat.OncRpc.Server;

namespace Lifeboat.OncRpc.Tests;

/// <summary>
/// Hostile datagrams at a real UDP server. Streams through the real connections in memory are fuzzed in the
/// Lifeboat.Fuzz project.
/// </summary>
public class DatagramFuzzTests
{
    /// <summary>Well-formed portmap calls with every credential kind, unframed as UDP sends them.</summary>
    private static readonly byte[][] Calls =
    [
        RpcMessages.Call(1, PortmapProgram.ProgramNumber, 2, (uint)PortmapProcedure.Null),
        RpcMessages.Call(2, PortmapProgram.ProgramNumber, 2, (uint)PortmapProcedure.Set, arguments: [0, 1, 0x86, 0xA3, 0, 0, 0, 3, 0, 0, 0, 6, 0, 0, 8, 1]),
        RpcMessages.Call(3, PortmapProgram.ProgramNumber, 2, (uint)PortmapProcedure.GetPort, credentialFlavor: 1, credentialBody: RpcMessages.AuthSysBody("h", 0, 0, 1, 2), arguments: [0, 1, 0x86, 0xA3, 0, 0, 0, 3, 0, 0, 0, 6, 0, 0, 0, 0]),
        RpcMessages.Call(4, PortmapProgram.ProgramNumber, 2, (uint)PortmapProcedure.Dump),
        RpcMessages.Call(5, PortmapProgram.ProgramNumber, 2, (uint)PortmapProcedure.Unset, arguments: [0, 1, 0x86, 0xA3, 0, 0, 0, 3, 0, 0, 0, 6, 0, 0, 8, 1]),
    ];

    [Fact]
    public async Task A_udp_server_fed_hostile_datagrams_keeps_answering()
    {
        var log = new CollectingLogger<RpcDatagramServer>();
        await using var server = new RpcDatagramServer([new PortmapProgram(), new TestProgram()], logger: log);
        server.Start();
        using var client = new DatagramClient(server.LocalEndPoint);
        var random = new Random(20261127);

        // In rounds, each closed by a NULL call whose reply must come: the socket buffers never overflow and every
        // round proves the loop survived the round before.
        for (uint round = 0; round < 20; round++)
        {
            for (var i = 0; i < 50; i++)
            {
                await client.SendAsync(i % 5 == 0 ? RandomBytes(random) : Lifeboat.Fuzz.Mutations.Mutate(random, Calls[random.Next(Calls.Length)]));
            }

            var xid = 0xF000_0000 + round;
            await client.SendAsync(RpcMessages.Call(xid, TestProgram.Number, 1, TestProgram.Null));
            Assert.True((await client.ReceiveReplyAsync(xid)).IsSuccess);
        }

        Assert.DoesNotContain(log.Entries, e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Warning);
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(0, 200)];
        random.NextBytes(bytes);
        return bytes;
    }
}
