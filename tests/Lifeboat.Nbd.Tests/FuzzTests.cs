using System.Net.Sockets;
using System.Text;
using Lifeboat.Nbd.Client;
using Lifeboat.Nbd.Protocol;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Nbd.Tests;

/// <summary>
/// Random and mutated client byte streams through the real server connection code over loopback: no connection
/// may crash (a Critical log line), memory stays bounded, and the server answers a well-behaved client afterwards.
/// </summary>
public sealed class FuzzTests
{
    private const int Inputs = 3000;
    private const int Parallel = 8;

    [Fact]
    public async Task Thousands_of_mutated_sessions_leave_the_server_serving()
    {
        using var folder = new TestFolder();
        await using var server = TestServer.Start(folder, o => o.HandshakeTimeout = TimeSpan.FromSeconds(5));
        var device = new MemoryBlockDevice(1024 * 1024);
        server.Exports.Set("x", device);
        var valid = ValidSession();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var peak = 0L;

        var next = -1;
        var workers = Enumerable.Range(0, Parallel).Select(_ => Task.Run(async () =>
        {
            int input;
            while ((input = Interlocked.Increment(ref next)) < Inputs)
            {
                var random = new Random(input);
                var bytes = input % 10 == 0 ? RandomBytes(random) : Mutate(valid, random);
                await SendAndDrainAsync(server, bytes);
                if (input % 250 == 0)
                {
                    Interlocked.Exchange(ref peak, Math.Max(Interlocked.Read(ref peak), GC.GetTotalMemory(forceFullCollection: false)));
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);

        Assert.DoesNotContain(server.Logger.Entries, e => e.Level == LogLevel.Critical);

        // The mutations must leave enough sessions whole to reach the transmission phase, or only the handshake was fuzzed.
        var transmissions = server.Logger.Entries.Count(e => e.Message.Contains("entered transmission", StringComparison.Ordinal));
        var refusedRequests = server.Logger.Entries.Count(e => e.Message.Contains("NBD request", StringComparison.Ordinal));
        Assert.True(transmissions > Inputs / 4, $"only {transmissions} sessions reached transmission");
        Assert.True(refusedRequests > 50, $"only {refusedRequests} requests were refused");
        Assert.True(peak - before < 512L * 1024 * 1024, $"memory grew to {peak - before} bytes above the start");

        await using var client = await NbdClient.ConnectAsync(server.EndPoint, "x", new NbdClientOptions { MetaContexts = [NbdLimits.BaseAllocation] });
        await client.WriteAsync(0, "still here"u8.ToArray());
        var back = new byte[10];
        await client.ReadAsync(0, back);
        Assert.Equal("still here", Encoding.ASCII.GetString(back));
        Assert.NotEmpty(await client.BlockStatusAsync(NbdLimits.BaseAllocation, 0, 65536));

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (server.Tcp.ConnectionCount > 1 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Equal(1, server.Tcp.ConnectionCount);
    }

    /// <summary>Sends the bytes, half-closes, and reads whatever comes back until the server closes.</summary>
    private static async Task SendAndDrainAsync(TestServer server, byte[] bytes)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(server.EndPoint);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var drain = Task.Run(async () =>
        {
            var buffer = new byte[64 * 1024];
            try
            {
                while (await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) > 0)
                {
                }
            }
            catch (SocketException)
            {
            }
        });
        try
        {
            await socket.SendAsync(bytes, SocketFlags.None, timeout.Token);
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
            // The server hung up first: that is one of the right answers.
        }

        await drain;
    }

    /// <summary>Everything a client does in one session: flags, options, and each command once.</summary>
    private static byte[] ValidSession()
    {
        var s = new List<byte>();
        s.AddRange(RawNbd.UInt32((uint)(NbdClientFlags.FixedNewstyle | NbdClientFlags.NoZeroes)));
        Option(s, NbdOption.StructuredReply, []);
        Option(s, NbdOption.List, []);
        Option(s, NbdOption.ListMetaContext, RawNbd.MetaContextData("x", "base:"));
        Option(s, NbdOption.SetMetaContext, RawNbd.MetaContextData("x", NbdLimits.BaseAllocation));
        Option(s, NbdOption.Info, RawNbd.GoData("x", NbdInfoType.BlockSize, NbdInfoType.Name));
        Option(s, NbdOption.Go, RawNbd.GoData("x", NbdInfoType.BlockSize));
        Request(s, NbdCommand.Write, 1, 512, 512, NbdCommandFlags.Fua);
        s.AddRange(Enumerable.Repeat((byte)0x5a, 512));
        Request(s, NbdCommand.Read, 2, 0, 4096);
        Request(s, NbdCommand.BlockStatus, 3, 0, 256 * 1024, NbdCommandFlags.ReqOne);
        Request(s, NbdCommand.Trim, 4, 65536, 65536);
        Request(s, NbdCommand.WriteZeroes, 5, 0, 4096, NbdCommandFlags.NoHole);
        Request(s, NbdCommand.Flush, 6, 0, 0);
        Request(s, NbdCommand.Read, 7, 1000, 100_000);
        Request(s, NbdCommand.Disc, 8, 0, 0);
        return [.. s];
    }

    private static byte[] Mutate(byte[] valid, Random random)
    {
        var bytes = new List<byte>(valid);
        var mutations = random.Next(1, 5);
        for (var i = 0; i < mutations && bytes.Count > 0; i++)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(6))
            {
                case 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 2:
                    // A length-sized field set to something large or boundary-like.
                    var value = random.Next(4) switch { 0 => 0xFFFF_FFFFu, 1 => 0x8000_0000u, 2 => 0x0200_0001u, _ => (uint)random.Next() };
                    var field = RawNbd.UInt32(value);
                    for (var j = 0; j < 4 && at + j < bytes.Count; j++)
                    {
                        bytes[at + j] = field[j];
                    }

                    break;
                case 3:
                    bytes.RemoveRange(at, Math.Min(random.Next(1, 64), bytes.Count - at));
                    break;
                case 4:
                    bytes.InsertRange(at, RandomBytes(random, 32));
                    break;
                default:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
            }
        }

        return [.. bytes];
    }

    private static byte[] RandomBytes(Random random, int max = 2048)
    {
        var bytes = new byte[random.Next(1, max)];
        random.NextBytes(bytes);
        return bytes;
    }

    private static void Option(List<byte> s, NbdOption option, byte[] data)
    {
        s.AddRange(BitConverter.GetBytes(NbdMagic.Option).Reverse());
        s.AddRange(RawNbd.UInt32((uint)option));
        s.AddRange(RawNbd.UInt32((uint)data.Length));
        s.AddRange(data);
    }

    private static void Request(List<byte> s, NbdCommand command, ulong cookie, ulong offset, uint length, NbdCommandFlags flags = NbdCommandFlags.None)
    {
        var header = new byte[28];
        new NbdRequestHeader(flags, command, cookie, offset, length).Write(header);
        s.AddRange(header);
    }
}
