using System.Text;
using Lifeboat.Nbd.Client;
using Lifeboat.Nbd.Protocol;
using Lifeboat.Nbd.Server;
using Lifeboat.Transport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lifeboat.Nbd.Tests;

/// <summary>Clients that break the protocol get its error or a closed connection; the server keeps serving the others.</summary>
public sealed class HostileClientTests
{
    [Fact]
    public async Task Unknown_options_get_err_unsup_and_malformed_ones_err_invalid()
    {
        using var folder = new TestFolder();
        await using var server = TestServer.Start(folder);
        server.Exports.Set("x", new MemoryBlockDevice(65536));
        await using var raw = await RawNbd.ConnectAsync(server.EndPoint);
        await raw.GreetAsync();

        await raw.SendOptionAsync(0x1234, [1, 2, 3], 3);
        var unknown = await raw.ReadOptionReplyAsync();
        Assert.Equal((0x1234u, NbdOptionReplyType.ErrUnsup), (unknown.Option, unknown.Type));

        await raw.SendOptionAsync(NbdOption.StartTls, []);
        Assert.Equal(NbdOptionReplyType.ErrUnsup, (await raw.ReadOptionReplyAsync()).Type);

        await raw.SendOptionAsync(NbdOption.List, [0]);
        Assert.Equal(NbdOptionReplyType.ErrInvalid, (await raw.ReadOptionReplyAsync()).Type);

        // A name length that runs past the option, and a name longer than the protocol's 4096 bytes.
        await raw.SendOptionAsync(NbdOption.Go, [.. RawNbd.UInt32(1000), 0, 0]);
        Assert.Equal(NbdOptionReplyType.ErrInvalid, (await raw.ReadOptionReplyAsync()).Type);
        await raw.SendOptionAsync(NbdOption.Go, RawNbd.GoData(new string('n', 5000)));
        Assert.Equal(NbdOptionReplyType.ErrInvalid, (await raw.ReadOptionReplyAsync()).Type);

        await raw.SendOptionAsync(NbdOption.Info, RawNbd.GoData("missing"));
        Assert.Equal(NbdOptionReplyType.ErrUnknown, (await raw.ReadOptionReplyAsync()).Type);

        // Metadata contexts before structured replies, then too many queries, then a query past the end.
        await raw.SendOptionAsync(NbdOption.SetMetaContext, RawNbd.MetaContextData("x", NbdLimits.BaseAllocation));
        Assert.Equal(NbdOptionReplyType.ErrInvalid, (await raw.ReadOptionReplyAsync()).Type);
        await raw.SendOptionAsync(NbdOption.StructuredReply, []);
        Assert.Equal(NbdOptionReplyType.Ack, (await raw.ReadOptionReplyAsync()).Type);
        await raw.SendOptionAsync(NbdOption.SetMetaContext, [.. RawNbd.UInt32(1), (byte)'x', .. RawNbd.UInt32(1_000_000)]);
        Assert.Equal(NbdOptionReplyType.ErrTooBig, (await raw.ReadOptionReplyAsync()).Type);
        await raw.SendOptionAsync(NbdOption.ListMetaContext, [.. RawNbd.UInt32(1), (byte)'x', .. RawNbd.UInt32(1), .. RawNbd.UInt32(900)]);
        Assert.Equal(NbdOptionReplyType.ErrInvalid, (await raw.ReadOptionReplyAsync()).Type);

        await raw.SendOptionAsync(NbdOption.ListMetaContext, RawNbd.MetaContextData("x"));
        var listed = await raw.ReadOptionReplyAsync();
        Assert.Equal(NbdOptionReplyType.MetaContext, listed.Type);
        Assert.Equal(NbdLimits.BaseAllocation, Encoding.UTF8.GetString(listed.Data, 4, listed.Data.Length - 4));
        Assert.Equal(NbdOptionReplyType.Ack, (await raw.ReadOptionReplyAsync()).Type);

        await raw.SendOptionAsync(NbdOption.Abort, []);
        Assert.Equal(NbdOptionReplyType.Ack, (await raw.ReadOptionReplyAsync()).Type);
        Assert.True(await raw.IsClosedByServerAsync());
    }

    [Theory]
    [InlineData("bad option magic")]
    [InlineData("oversized option")]
    [InlineData("unknown client flags")]
    [InlineData("unknown export by name")]
    [InlineData("truncated option")]
    public async Task A_broken_handshake_closes_that_connection_only(string breakage)
    {
        using var folder = new TestFolder();
        await using var server = TestServer.Start(folder);
        server.Exports.Set("x", new MemoryBlockDevice(65536));
        await using var bystander = await NbdClient.ConnectAsync(server.EndPoint, "x");

        await using (var raw = await RawNbd.ConnectAsync(server.EndPoint))
        {
            switch (breakage)
            {
                case "bad option magic":
                    await raw.GreetAsync();
                    await raw.SendAsync(new byte[16]);
                    break;
                case "oversized option":
                    await raw.GreetAsync();
                    await raw.SendOptionAsync((uint)NbdOption.Go, [], 0x7fff_ffff);
                    break;
                case "unknown client flags":
                    await raw.GreetAsync((NbdClientFlags)0x80);
                    break;
                case "unknown export by name":
                    await raw.GreetAsync();
                    await raw.SendOptionAsync(NbdOption.ExportName, Encoding.UTF8.GetBytes("nope"));
                    break;
                case "truncated option":
                    await raw.GreetAsync();
                    await raw.SendOptionAsync((uint)NbdOption.Go, [1, 2], 100);
                    await raw.SendAsync([]);
                    break;
            }

            if (breakage == "truncated option")
            {
                // The server waits for the rest; the client leaving is what ends it.
                return;
            }

            Assert.True(await raw.IsClosedByServerAsync(), breakage);
        }

        var data = new byte[512];
        await bystander.ReadAsync(0, data);
        await using var newcomer = await NbdClient.ConnectAsync(server.EndPoint, "x");
        await newcomer.ReadAsync(0, data);
    }

    [Fact]
    public async Task Export_name_option_enters_transmission_without_zeroes_when_agreed()
    {
        using var folder = new TestFolder();
        await using var server = TestServer.Start(folder);
        server.Exports.Set("x", new MemoryBlockDevice(65536));
        await using var raw = await RawNbd.ConnectAsync(server.EndPoint);
        await raw.GreetAsync();
        await raw.SendOptionAsync(NbdOption.ExportName, Encoding.UTF8.GetBytes("x"));
        var reply = await raw.ReadAsync(10);
        Assert.Equal(65536ul, System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(reply));
        await raw.SendRequestAsync(NbdCommand.Flush, 9, 0, 0);
        Assert.Equal((NbdError.None, 9ul), await raw.ReadSimpleReplyAsync());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Bad_requests_get_errors_and_impossible_ones_close_the_connection(bool threadPerConnection)
    {
        using var folder = new TestFolder();
        await using var server = TestServer.Start(folder, options => options.ThreadPerConnection = threadPerConnection);
        server.Exports.Set("x", new MemoryBlockDevice(1024 * 1024));

        await using (var raw = await RawNbd.ConnectAsync(server.EndPoint))
        {
            await raw.EnterTransmissionAsync("x");
            await raw.SendRequestAsync((NbdCommand)99, 1, 0, 0);
            Assert.Equal((NbdError.Inval, 1ul), await raw.ReadSimpleReplyAsync());
            await raw.SendRequestAsync(NbdCommand.Read, 2, 0, 64 * 1024 * 1024);
            Assert.Equal((NbdError.Inval, 2ul), await raw.ReadSimpleReplyAsync());
            await raw.SendRequestAsync(NbdCommand.Read, 3, 0, 512, (NbdCommandFlags)0x100);
            Assert.Equal((NbdError.Inval, 3ul), await raw.ReadSimpleReplyAsync());
            await raw.SendRequestAsync(NbdCommand.Read, 4, ulong.MaxValue - 10, 512);
            Assert.Equal((NbdError.Inval, 4ul), await raw.ReadSimpleReplyAsync());
            await raw.SendRequestAsync(NbdCommand.WriteZeroes, 5, 1024 * 1024, 1);
            Assert.Equal((NbdError.NoSpc, 5ul), await raw.ReadSimpleReplyAsync());

            // A write larger than any payload cannot be skipped: the server hangs up.
            await raw.SendRequestAsync(NbdCommand.Write, 6, 0, 0x8000_0000);
            Assert.True(await raw.IsClosedByServerAsync());
        }

        await using (var raw = await RawNbd.ConnectAsync(server.EndPoint))
        {
            await raw.EnterTransmissionAsync("x");
            await raw.SendRequestAsync(NbdCommand.Read, 1, 0, 512, magic: 0x12345678);
            Assert.True(await raw.IsClosedByServerAsync());
        }

        await using var client = await NbdClient.ConnectAsync(server.EndPoint, "x");
        await client.ReadAsync(0, new byte[4096]);
    }

    [Fact]
    public async Task A_client_that_pipelines_without_reading_replies_is_held_to_its_budget()
    {
        using var folder = new TestFolder();
        await using var server = TestServer.Start(folder);
        server.Exports.Set("x", new MemoryBlockDevice(32 * 1024 * 1024));

        // The held connection runs in memory, each direction buffering 1 MiB as a socket would, so the test sees its
        // admission: once a request found no room with four in flight and no reply read, nothing can move again.
        var memory = new MemoryConnection();
        var connection = new NbdConnection(
            ConnectionListener.NewConnectionId(),
            ConnectionTransport.ForPipe(memory.Server),
            "memory",
            server.Exports,
            new NbdServerOptions { MaxRequestsInFlightPerConnection = 4, MaxBytesInFlightPerConnection = 32 * 1024 * 1024 },
            NullLogger.Instance);
        var served = connection.RunAsync();
        await using var raw = RawNbd.Over(memory.Client);
        await raw.EnterTransmissionAsync("x");

        // Two million reads of 1 MiB (56 MB of requests, far more than the connection buffers), no reply read: the
        // server must stop reading, not hold terabytes of replies.
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var send = Task.Run(async () =>
        {
            var batch = new byte[1000 * 28];
            for (var i = 0ul; i < 2000; i++)
            {
                for (var j = 0; j < 1000; j++)
                {
                    new NbdRequestHeader(NbdCommandFlags.None, NbdCommand.Read, (i * 1000) + (ulong)j, 0, 1024 * 1024).Write(batch.AsSpan(j * 28));
                }

                await raw.SendAsync(batch);
            }
        });
        await Wait.UntilAsync(
            () => send.IsCompleted || (connection.Admission.Refusals > 0 && connection.Admission.InFlight == 4),
            () => $"the server to stop reading with four requests in flight (it holds {connection.Admission.InFlight})");
        Assert.False(send.IsCompleted, "the server read every request without the client reading a reply");
        var grown = GC.GetTotalMemory(forceFullCollection: false) - before;
        Assert.True(grown < 200L * 1024 * 1024, $"memory grew by {grown} bytes");
        connection.Abort();
        await served.WaitAsync(TimeSpan.FromSeconds(30));

        await using var other = await NbdClient.ConnectAsync(server.EndPoint, "x");
        await other.ReadAsync(0, new byte[4096]);
    }
}
