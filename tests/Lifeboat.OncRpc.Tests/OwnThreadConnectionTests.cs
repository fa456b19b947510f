using Lifeboat.OncRpc.Client;
using Lifeboat.OncRpc.Rpc;
using Lifeboat.OncRpc.Server;
using Lifeboat.OncRpc.Xdr;
using Lifeboat.Testing.Rpc;

namespace Lifeboat.OncRpc.Tests;

/// <summary>
/// A TCP connection's read loop on a thread of its own (the default, <see cref="RpcServerOptions.ThreadPerConnection"/>):
/// a lone call runs inline on that thread, never on a thread-pool worker; a broken or oversized record still closes
/// only its connection and a call with bad arguments still gets GARBAGE_ARGS, with or without the thread; and a stop
/// wakes connections that wait for their next call.
/// </summary>
public sealed class OwnThreadConnectionTests : RpcServerTest
{
    [Fact]
    public async Task A_lone_call_runs_inline_on_its_connections_own_thread()
    {
        await using var first = await ConnectAsync();
        await using var second = await ConnectAsync();

        var a = await WhichThreadAsync(first);
        var b = await WhichThreadAsync(first);
        var c = await WhichThreadAsync(second);

        Assert.Equal((true, false), (a.OnReadLoop, a.PoolThread));
        Assert.Equal((true, false), (c.OnReadLoop, c.PoolThread));
        Assert.Equal(a.Thread, b.Thread);
        Assert.NotEqual(a.Thread, c.Thread);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Broken_records_close_only_their_connection_and_bad_arguments_get_garbage_args(bool threadPerConnection)
    {
        await using var server = StartServer(new RpcServerOptions { MaxRecordSize = 4096, ThreadPerConnection = threadPerConnection });
        await using var good = await RpcClient.ConnectAsync(server.LocalEndPoint);

        using (var oversized = await RawRpcConnection.ConnectAsync(server.LocalEndPoint))
        {
            await oversized.SendAsync(RpcRecords.Mark(RpcRecords.LastFragment | 8192));
            Assert.True(await oversized.WaitUntilClosedAsync());
        }

        using (var garbage = await RawRpcConnection.ConnectAsync(server.LocalEndPoint))
        {
            // A record that is not an RPC call at all.
            await garbage.SendAsync(RpcRecords.Record([1, 2, 3, 4, 5, 6, 7, 8]));
            Assert.True(await garbage.WaitUntilClosedAsync());
        }

        using (var badArguments = await RawRpcConnection.ConnectAsync(server.LocalEndPoint))
        {
            await badArguments.SendAsync(RpcRecords.Record(
                RpcMessages.Call(7, TestProgram.Number, 1, TestProgram.Echo, arguments: RpcMessages.Words(8, 1))));
            var reply = await badArguments.ReceiveReplyAsync();
            Assert.NotNull(reply);
            Assert.Equal((7u, RpcAcceptStatus.GarbageArgs), (reply.Xid, reply.AcceptStatus));
        }

        Assert.Equal([9], ReadOpaque(await good.CallAsync(TestProgram.Number, 1, TestProgram.Echo, RpcMessages.Opaque([9]))));
    }

    [Fact]
    public async Task Stopping_wakes_the_connections_waiting_for_their_next_call()
    {
        using var first = await RawRpcConnection.ConnectAsync(Server.LocalEndPoint);
        using var second = await RawRpcConnection.ConnectAsync(Server.LocalEndPoint);
        foreach (var connection in new[] { first, second })
        {
            await connection.SendAsync(RpcRecords.Record(RpcMessages.Call(1, TestProgram.Number, 1, TestProgram.Null)));
            Assert.True((await connection.ReceiveReplyAsync())!.IsSuccess);
        }

        await Server.StopAsync().WaitAsync(Patience);

        Assert.Equal(0, Server.ConnectionCount);
        Assert.True(await first.WaitUntilClosedAsync());
        Assert.True(await second.WaitUntilClosedAsync());
    }

    private static async Task<(bool OnReadLoop, bool PoolThread, uint Thread)> WhichThreadAsync(RpcClient client)
    {
        var reply = await client.CallAsync(TestProgram.Number, 1, TestProgram.WhichThread);
        var reader = new XdrReader(reply.EnsureSuccess().Results.Span);
        return (reader.ReadUInt32() == 1, reader.ReadUInt32() == 1, reader.ReadUInt32());
    }
}
