using Lifeboat.OncRpc.Fuzzing;
using Lifeboat.OncRpc.Portmap;
using Lifeboat.OncRpc.Server;

namespace Lifeboat.OncRpc.Tests;

public class RpcFuzzTests
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

    /// <summary>Well-formed TCP streams the mutations start from.</summary>
    private static readonly byte[][] Seeds =
    [
        RpcMessages.Frame(Calls[0]),
        RpcMessages.Frame(Calls[1]),
        RpcMessages.Frame(Calls[2]),
        [
            .. RpcMessages.Frame(Calls[3], fragments: 3),
            .. RpcMessages.Frame(Calls[4]),
            .. RpcMessages.Frame([0, 0, 0, 9, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
        ],
    ];

    [Fact]
    public void Seeds_run_cleanly()
    {
        foreach (var seed in Seeds)
        {
            RpcFuzz.Run(seed);
        }

        foreach (var call in Calls)
        {
            RpcFuzz.RunDatagram(call);
        }
    }

    [Fact]
    public void Thousands_of_mutated_and_random_inputs_never_throw()
    {
        var random = new Random(20261125);
        for (var i = 0; i < 5000; i++)
        {
            var input = i % 5 == 0 ? RandomBytes(random) : Mutate(random, Seeds[random.Next(Seeds.Length)]);
            var exception = Record.Exception(() => RpcFuzz.Run(input));
            Assert.True(exception is null, $"input {Convert.ToHexString(input)} raised {exception}");
        }
    }

    [Fact]
    public void Thousands_of_mutated_and_random_datagrams_never_throw()
    {
        var random = new Random(20261126);
        for (var i = 0; i < 5000; i++)
        {
            var input = i % 5 == 0 ? RandomBytes(random) : Mutate(random, Calls[random.Next(Calls.Length)]);
            var exception = Record.Exception(() => RpcFuzz.RunDatagram(input));
            Assert.True(exception is null, $"datagram {Convert.ToHexString(input)} raised {exception}");
        }
    }

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
                await client.SendAsync(i % 5 == 0 ? RandomBytes(random) : Mutate(random, Calls[random.Next(Calls.Length)]));
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

    private static byte[] Mutate(Random random, byte[] seed)
    {
        var bytes = new List<byte>(seed);
        var mutations = random.Next(1, 6);
        for (var m = 0; m < mutations && bytes.Count > 0; m++)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(5))
            {
                case 0:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 1:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 2:
                    bytes.RemoveRange(at, Math.Min(random.Next(1, 8), bytes.Count - at));
                    break;
                case 3:
                    bytes.InsertRange(at, Enumerable.Range(0, random.Next(1, 8)).Select(_ => (byte)random.Next(256)));
                    break;
                default:
                    // Interesting integers where lengths and counts live.
                    uint[] interesting = [0, 1, 3, 4, 16, 17, 255, 256, 400, 401, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF];
                    var value = interesting[random.Next(interesting.Length)];
                    var word = at & ~3;
                    for (var b = 0; b < 4 && word + b < bytes.Count; b++)
                    {
                        bytes[word + b] = (byte)(value >> (24 - (8 * b)));
                    }

                    break;
            }
        }

        return [.. bytes];
    }
}
