using Lifeboat.OncRpc.Client;
using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.OncRpc.Tests;

/// <summary>Calls pipelined on one connection run side by side and each gets its own reply, in whatever order they finish.</summary>
public sealed class RpcServerPipeliningTests : RpcServerTest
{
    [Fact]
    public async Task Replies_come_back_out_of_order_while_a_slow_call_is_in_flight()
    {
        await using var client = await ConnectAsync();
        var slow = client.CallAsync(TestProgram.Number, 1, TestProgram.GatedEcho, RpcMessages.Opaque([1]));

        // The gate opens only after a later call has been answered: a server handling calls one at a time
        // would never answer it, and the test would time out instead of passing.
        var fast = await client.CallAsync(TestProgram.Number, 1, TestProgram.Echo, RpcMessages.Opaque([2])).WaitAsync(Patience);
        Assert.False(slow.IsCompleted);
        Program.Gate.Release();

        Assert.Equal(new byte[] { 2 }, ReadOpaque(fast));
        Assert.Equal(new byte[] { 1 }, ReadOpaque(await slow.WaitAsync(Patience)));
    }

    [Fact]
    public async Task Many_pipelined_calls_each_get_their_own_reply()
    {
        await using var client = await ConnectAsync();
        var gated = Enumerable.Range(0, 40).Select(i => client.CallAsync(TestProgram.Number, 1, TestProgram.GatedEcho, RpcMessages.Opaque([(byte)i]))).ToArray();
        var quick = Enumerable.Range(0, 200).Select(i => client.CallAsync(TestProgram.Number, 1, TestProgram.Echo, RpcMessages.Opaque(BitConverter.GetBytes(i)))).ToArray();

        var quickReplies = await Task.WhenAll(quick).WaitAsync(Patience);
        Program.Gate.Release(gated.Length);
        var gatedReplies = await Task.WhenAll(gated).WaitAsync(Patience);

        for (var i = 0; i < quick.Length; i++)
        {
            Assert.Equal(BitConverter.GetBytes(i), ReadOpaque(quickReplies[i]));
        }

        for (var i = 0; i < gated.Length; i++)
        {
            Assert.Equal(new[] { (byte)i }, ReadOpaque(gatedReplies[i]));
        }
    }

    [Fact]
    public async Task Synchronous_calls_pipelined_in_one_write_run_side_by_side()
    {
        using var raw = await RawRpcConnection.ConnectAsync(Server.LocalEndPoint);
        await raw.SendAsync((byte[])[
            .. RpcRecords.Frame(RpcMessages.Call(91, TestProgram.Number, 1, TestProgram.Rendezvous)),
            .. RpcRecords.Frame(RpcMessages.Call(92, TestProgram.Number, 1, TestProgram.Rendezvous)),
        ]);

        var replies = new[] { await raw.ReceiveReplyAsync(), await raw.ReceiveReplyAsync() };

        Assert.Equal([91u, 92u], replies.Select(r => Assert.IsType<RpcReply>(r).Xid).Order());
        Assert.All(replies, r => Assert.Equal(1u, new XdrReader(r!.EnsureSuccess().Results.Span).ReadUInt32()));
    }
}
