using Lifeboat.OncRpc.Server;

namespace Lifeboat.OncRpc.Tests;

/// <summary>
/// RFC 5531 lets a sender split a record into fragments of any length, not only multiples of four. Calls split at
/// every byte, and at random lengths, pipelined back to back, must each be answered with their own XID and arguments.
/// </summary>
public sealed class UnalignedFragmentTests : IAsyncLifetime
{
    private readonly TestProgram _program = new();
    private RpcServer _server = null!;

    public Task InitializeAsync()
    {
        _server = new RpcServer([_program], new RpcServerOptions());
        _server.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Seeded_random_fragmentations_pipelined_get_their_own_xid_and_arguments()
    {
        using var raw = await RawRpcConnection.ConnectAsync(_server.LocalEndPoint);
        var random = new Random(1234);
        var expected = new Dictionary<uint, byte[]>();
        const int calls = 2000;
        var stream = new List<byte>();
        for (var i = 0; i < calls; i++)
        {
            var xid = 0x4803_0000u + (uint)i * 0x1F3Bu;
            var data = new byte[random.Next(0, 200)];
            random.NextBytes(data);
            expected[xid] = data;
            var message = RpcMessages.Call(xid, TestProgram.Number, 1, TestProgram.Echo, arguments: RpcMessages.Opaque(data));
            stream.AddRange(RpcRecords.FrameRandomly(message, random, 64));
        }

        var bytes = stream.ToArray();
        var sending = Task.Run(() => raw.SendInPiecesAsync(bytes, new Random(99), 3000));

        for (var i = 0; i < calls; i++)
        {
            var reply = await raw.ReceiveReplyAsync();
            Assert.NotNull(reply);
            Assert.True(expected.Remove(reply.Xid, out var data), $"reply with XID {reply.Xid:x8} answers no call in flight");
            Assert.True(reply.IsSuccess);
            var reader = new Lifeboat.OncRpc.Xdr.XdrReader(reply.Results.Span);
            Assert.Equal(data, reply.Results[reader.ReadOpaqueRange(1024)].ToArray());
        }

        await sending;
    }
}
