using System.Net;
using Lifeboat.OncRpc.Client;
using Lifeboat.OncRpc.Server;
using Lifeboat.OncRpc.Peers;
using Lifeboat.Transport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lifeboat.OncRpc.Tests;

/// <summary>What the server admits: calls in flight per connection, connections, and clients that send junk.</summary>
public sealed class RpcServerAdmissionTests : RpcServerTest
{
    [Fact]
    public async Task Calls_in_flight_per_connection_are_capped()
    {
        // The connection in memory, so the test can see its admission: once its read loop holds a fifth call it has
        // no room for, a server ignoring the cap would have started it; this one waits for a reply to go out.
        var memory = new MemoryConnection();
        var connection = new RpcConnection(
            RpcServer.NewConnectionId(),
            ConnectionTransport.ForPipe(memory.Server),
            new RpcDispatcher(RpcProgramTable.Build([Program]), NullLogger.Instance),
            new RpcServerOptions { MaxCallsInFlightPerConnection = 4 },
            () => RpcPeer.Datagram(new IPEndPoint(IPAddress.Loopback, 700)),
            NullLogger.Instance);
        var served = connection.RunAsync();
        var replies = memory.ReadAllFromServerAsync();
        for (var i = 0; i < 12; i++)
            await memory.ToServer.WriteAsync(RpcRecords.Frame(RpcMessages.Call((uint)i + 1, TestProgram.Number, 1, TestProgram.GatedEcho, arguments: RpcMessages.Opaque([(byte)i]))));

        await Wait.UntilAsync(() => connection.Admission.Refusals > 0, () => $"the read loop to wait for room ({Program.Active} calls running)", Patience);
        Assert.Equal(4, Program.Active);
        Program.Gate.Release(12);
        await memory.ToServer.CompleteAsync();
        await served.WaitAsync(Patience);

        Assert.Equal(12, RpcRecords.Replies(await replies.WaitAsync(Patience)).Count);
        Assert.Equal(4, Program.MaxActive);
    }

    [Fact]
    public async Task A_hostile_client_is_disconnected_and_others_keep_being_served()
    {
        await using var good = await ConnectAsync();
        Assert.True((await good.CallAsync(TestProgram.Number, 1, TestProgram.Null)).IsSuccess);

        byte[][] junk =
        [
            "GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray(),                 // huge fragment length from ASCII
            RpcRecords.Frame([0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0]),        // a REPLY, not a CALL
            RpcRecords.Frame([0, 0, 0, 1]),                                  // too short for a header
            RpcRecords.Frame(RpcMessages.Call(1, TestProgram.Number, 1, 0)[..20]), // header cut after rpcvers
        ];
        foreach (var bytes in junk)
        {
            using var hostile = await RawRpcConnection.ConnectAsync(Server.LocalEndPoint);
            await hostile.SendAsync(bytes);
            Assert.True(await hostile.WaitUntilClosedAsync());
            Assert.True((await good.CallAsync(TestProgram.Number, 1, TestProgram.Echo, RpcMessages.Opaque([9]))).IsSuccess);
        }

        using var endless = await RawRpcConnection.ConnectAsync(Server.LocalEndPoint);
        await endless.SendAsync((byte[])[.. Enumerable.Range(0, 2000).SelectMany(_ => new byte[] { 0, 0, 0, 0 })]);
        Assert.True(await endless.WaitUntilClosedAsync());
        Assert.True((await good.CallAsync(TestProgram.Number, 1, TestProgram.Null)).IsSuccess);
    }

    [Fact]
    public async Task Connections_beyond_the_limit_are_closed()
    {
        await using var server = StartServer(new RpcServerOptions { MaxConnections = 2 });
        await using var first = await RpcClient.ConnectAsync(server.LocalEndPoint);
        await using var second = await RpcClient.ConnectAsync(server.LocalEndPoint);
        Assert.True((await first.CallAsync(TestProgram.Number, 1, 0)).IsSuccess);
        Assert.True((await second.CallAsync(TestProgram.Number, 1, 0)).IsSuccess);

        using var third = await RawRpcConnection.ConnectAsync(server.LocalEndPoint);
        Assert.True(await third.WaitUntilClosedAsync());
        Assert.Equal(2, server.ConnectionCount);
    }
}
