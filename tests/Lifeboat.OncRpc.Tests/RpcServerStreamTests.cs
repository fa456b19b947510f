using System.Security.Cryptography;
using Lifeboat.OncRpc.Client;
using Lifeboat.OncRpc.Rpc;
using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.OncRpc.Tests;

/// <summary>
/// One connection's byte stream: calls in many fragments or many to a write, pipelined calls running side by side and
/// answered in whatever order they finish, records near the size limit and past it, large replies.
/// </summary>
public sealed class RpcServerStreamTests : RpcServerTest
{
    [Fact]
    public async Task A_call_sent_in_many_fragments_and_several_calls_in_one_write_are_all_answered()
    {
        using var raw = await RawRpcConnection.ConnectAsync(Server.LocalEndPoint);
        byte[] stream =
        [
            .. RpcRecords.Frame(RpcMessages.Call(1, TestProgram.Number, 1, TestProgram.Echo, arguments: RpcMessages.Opaque([7, 7, 7])), fragments: 5),
            .. RpcRecords.Frame(RpcMessages.Call(2, TestProgram.Number, 1, TestProgram.Null)),
            .. RpcRecords.Frame(RpcMessages.Call(3, 999, 1, 0)),
        ];
        await raw.SendAsync(stream);

        var replies = new Dictionary<uint, RpcReply>();
        for (var i = 0; i < 3; i++)
        {
            var reply = await raw.ReceiveReplyAsync();
            Assert.NotNull(reply);
            replies[reply.Xid] = reply;
        }

        Assert.Equal(new byte[] { 7, 7, 7 }, ReadOpaque(replies[1]));
        Assert.True(replies[2].IsSuccess);
        Assert.Equal(RpcAcceptStatus.ProgUnavail, replies[3].AcceptStatus);
    }

    [Fact]
    public async Task A_call_near_the_record_limit_is_served_and_a_larger_one_closes_the_connection()
    {
        await using var client = await ConnectAsync();
        var data = RandomNumberGenerator.GetBytes(1024 * 1024);
        var reply = await client.CallAsync(TestProgram.Number, 1, TestProgram.Length, RpcMessages.Opaque(data));
        var reader = new XdrReader(reply.EnsureSuccess().Results.Span);
        Assert.Equal((uint)data.Length, reader.ReadUInt32());
        Assert.Equal(SHA256.HashData(data), reader.ReadFixedOpaque(32).ToArray());

        var tooLarge = client.CallAsync(TestProgram.Number, 1, TestProgram.Length, RpcMessages.Opaque(new byte[2 * 1024 * 1024]));
        await Assert.ThrowsAsync<IOException>(() => tooLarge.WaitAsync(Patience));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(200_000)]
    [InlineData(1024 * 1024)]
    public async Task Results_filled_in_place_arrive_intact(int count)
    {
        await using var client = await ConnectAsync(new RpcClientOptions { MaxReplySize = 2 * 1024 * 1024 });
        var reply = await client.CallAsync(TestProgram.Number, 1, TestProgram.Fill, RpcMessages.Words((uint)count));

        var reader = new XdrReader(reply.EnsureSuccess().Results.Span);
        var data = reader.ReadOpaque(count);
        Assert.Equal(count, data.Length);
        for (var i = 0; i < count; i++)
        {
            Assert.Equal((byte)(i % 251), data[i]);
        }

        Assert.Equal(0xC0FFEEu, reader.ReadUInt32());
        Assert.Equal(0, reader.Remaining);
    }

    [Fact]
    public async Task A_reply_larger_than_the_client_accepts_fails_its_connection()
    {
        await using var client = await ConnectAsync(new RpcClientOptions { MaxReplySize = 64 * 1024 });
        var call = client.CallAsync(TestProgram.Number, 1, TestProgram.Fill, RpcMessages.Words(100_000));
        await Assert.ThrowsAsync<IOException>(() => call.WaitAsync(Patience));
        await Assert.ThrowsAsync<IOException>(() => client.CallAsync(TestProgram.Number, 1, TestProgram.Null));
    }

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
