using System.Security.Cryptography;
using Lifeboat.OncRpc.Client;
using Lifeboat.OncRpc.Rpc;
using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.OncRpc.Tests;

/// <summary>Record marking over TCP: calls in many fragments, records near the size limit and past it, large replies.</summary>
public sealed class RpcServerFramingTests : RpcServerTest
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
}
