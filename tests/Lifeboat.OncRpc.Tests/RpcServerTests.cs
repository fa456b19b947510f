using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Security.Cryptography;
using Lifeboat.OncRpc.Client;
using Lifeboat.OncRpc.Rpc;
using Lifeboat.OncRpc.Server;
using Lifeboat.OncRpc.Peers;
using Lifeboat.OncRpc.Xdr;
using Lifeboat.Transport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lifeboat.OncRpc.Tests;

public sealed class RpcServerTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly TestProgram _program = new();
    private RpcServer _server = null!;

    public Task InitializeAsync()
    {
        _server = StartServer(new RpcServerOptions());
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _program.Gate.Release(1000);
        await _server.DisposeAsync();
    }

    private RpcServer StartServer(RpcServerOptions options)
    {
        var server = new RpcServer([_program], options);
        server.Start();
        return server;
    }

    private Task<RpcClient> ConnectAsync(RpcClientOptions? options = null) => RpcClient.ConnectAsync(_server.LocalEndPoint, options);

    [Fact]
    public async Task A_client_disposed_at_once_after_connecting_disposes_cleanly()
    {
        // Disposing before the receive loop has run used to throw "not allowed on non-connected sockets" from DisposeAsync.
        // And as root each connection binds a reserved port (600-1023): 200 of them leave many in TIME_WAIT to this
        // server, and a port picked again binds but cannot connect (EADDRNOTAVAIL) until another one is tried.
        for (var i = 0; i < 200; i++)
        {
            var client = await ConnectAsync();
            await client.DisposeAsync();
        }

        await using var last = await ConnectAsync();
        Assert.True((await last.CallAsync(TestProgram.Number, 1, TestProgram.Null)).IsSuccess);
    }

    [Fact]
    public async Task Null_call_succeeds_with_empty_results()
    {
        await using var client = await ConnectAsync();
        var reply = await client.CallAsync(TestProgram.Number, 1, TestProgram.Null);
        Assert.True(reply.IsSuccess);
        Assert.True(reply.Results.IsEmpty);
    }

    [Fact]
    public async Task Echo_returns_the_arguments()
    {
        await using var client = await ConnectAsync();
        var reply = await client.CallAsync(TestProgram.Number, 2, TestProgram.Echo, RpcMessages.Opaque([1, 2, 3, 4, 5]));
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, ReadOpaque(reply));
    }

    [Fact]
    public async Task Unknown_program_is_prog_unavail()
    {
        await using var client = await ConnectAsync();
        var reply = await client.CallAsync(999, 1, 0);
        Assert.Equal(RpcReplyStatus.Accepted, reply.Status);
        Assert.Equal(RpcAcceptStatus.ProgUnavail, reply.AcceptStatus);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(3u)]
    public async Task Version_outside_the_range_is_prog_mismatch_with_low_and_high(uint version)
    {
        await using var client = await ConnectAsync();
        var reply = await client.CallAsync(TestProgram.Number, version, 0);
        Assert.Equal(RpcAcceptStatus.ProgMismatch, reply.AcceptStatus);
        Assert.Equal(1u, reply.MismatchLow);
        Assert.Equal(2u, reply.MismatchHigh);
    }

    [Fact]
    public async Task Unknown_procedure_is_proc_unavail()
    {
        await using var client = await ConnectAsync();
        var reply = await client.CallAsync(TestProgram.Number, 1, 77);
        Assert.Equal(RpcAcceptStatus.ProcUnavail, reply.AcceptStatus);
    }

    [Fact]
    public async Task Truncated_or_oversized_arguments_are_garbage_args()
    {
        await using var client = await ConnectAsync();
        var truncated = await client.CallAsync(TestProgram.Number, 1, TestProgram.Echo, new byte[] { 0, 0, 0, 8, 1, 2 });
        var oversized = await client.CallAsync(TestProgram.Number, 1, TestProgram.Echo, RpcMessages.Opaque(new byte[1025]));
        Assert.Equal(RpcAcceptStatus.GarbageArgs, truncated.AcceptStatus);
        Assert.Equal(RpcAcceptStatus.GarbageArgs, oversized.AcceptStatus);
    }

    [Fact]
    public async Task Results_written_before_an_error_status_are_discarded()
    {
        await using var client = await ConnectAsync();
        var reply = await client.CallAsync(TestProgram.Number, 1, TestProgram.WriteThenGarbage);
        Assert.Equal(RpcAcceptStatus.GarbageArgs, reply.AcceptStatus);
        Assert.True(reply.Results.IsEmpty);
    }

    [Fact]
    public async Task A_failing_procedure_is_system_err_and_the_connection_keeps_working()
    {
        await using var client = await ConnectAsync();
        var failed = await client.CallAsync(TestProgram.Number, 1, TestProgram.Throw);
        var next = await client.CallAsync(TestProgram.Number, 1, TestProgram.Null);
        Assert.Equal(RpcAcceptStatus.SystemErr, failed.AcceptStatus);
        Assert.True(next.IsSuccess);
    }

    [Fact]
    public async Task A_program_refusing_credentials_gets_auth_error()
    {
        await using var client = await ConnectAsync();
        var reply = await client.CallAsync(TestProgram.Number, 1, TestProgram.RejectAuth);
        Assert.Equal(RpcReplyStatus.Denied, reply.Status);
        Assert.Equal(RpcRejectStatus.AuthError, reply.RejectStatus);
        Assert.Equal(AuthStat.TooWeak, reply.AuthStat);
    }

    [Fact]
    public async Task Auth_sys_credentials_reach_the_program()
    {
        var credentials = RpcCredentials.FromSys(new AuthSysParameters(1, "hypervisor-1", 1000, 100, [4, 24, 27]));
        await using var client = await ConnectAsync(new RpcClientOptions { Credentials = credentials });
        var reply = await client.CallAsync(TestProgram.Number, 1, TestProgram.WhoAmI);

        var reader = new XdrReader(reply.EnsureSuccess().Results.Span);
        Assert.Equal(1000u, reader.ReadUInt32());
        Assert.Equal(3u, reader.ReadUInt32());
        Assert.Equal("hypervisor-1", reader.ReadString(255));
    }

    [Fact]
    public async Task Rpc_version_other_than_2_is_rpc_mismatch()
    {
        using var raw = await RawRpcConnection.ConnectAsync(_server.LocalEndPoint);
        await raw.SendAsync(RpcRecords.Frame(RpcMessages.Call(77, TestProgram.Number, 1, 0, rpcVersion: 3)));
        var reply = await raw.ReceiveReplyAsync();

        Assert.NotNull(reply);
        Assert.Equal(77u, reply.Xid);
        Assert.Equal(RpcReplyStatus.Denied, reply.Status);
        Assert.Equal(RpcRejectStatus.RpcMismatch, reply.RejectStatus);
        Assert.Equal(2u, reply.MismatchLow);
        Assert.Equal(2u, reply.MismatchHigh);
    }

    public static TheoryData<string, byte[], AuthStat> RefusedCredentials() => new()
    {
        { "RPCSEC_GSS flavor", RpcMessages.Call(5, TestProgram.Number, 1, 0, credentialFlavor: 6), AuthStat.BadCred },
        { "AUTH_DH flavor", RpcMessages.Call(5, TestProgram.Number, 1, 0, credentialFlavor: 3), AuthStat.BadCred },
        { "machine name over 255 bytes", RpcMessages.Call(5, TestProgram.Number, 1, 0, credentialFlavor: 1, credentialBody: RpcMessages.AuthSysBody(new string('m', 256), 0, 0)), AuthStat.BadCred },
        { "17 groups", RpcMessages.Call(5, TestProgram.Number, 1, 0, credentialFlavor: 1, credentialBody: RpcMessages.AuthSysBody("h", 0, 0, [.. Enumerable.Range(1, 17).Select(i => (uint)i)])), AuthStat.BadCred },
        { "truncated AUTH_SYS body", RpcMessages.Call(5, TestProgram.Number, 1, 0, credentialFlavor: 1, credentialBody: [0, 0, 0, 1]), AuthStat.BadCred },
        { "AUTH_SYS verifier", RpcMessages.Call(5, TestProgram.Number, 1, 0, verifierFlavor: 1), AuthStat.BadVerf },
    };

    [Theory]
    [MemberData(nameof(RefusedCredentials))]
    public async Task Unsupported_or_malformed_credentials_are_auth_error(string why, byte[] call, AuthStat expected)
    {
        using var raw = await RawRpcConnection.ConnectAsync(_server.LocalEndPoint);
        await raw.SendAsync(RpcRecords.Frame(call));
        var reply = await raw.ReceiveReplyAsync();

        Assert.True(reply is not null, why);
        Assert.Equal(RpcReplyStatus.Denied, reply.Status);
        Assert.Equal(RpcRejectStatus.AuthError, reply.RejectStatus);
        Assert.Equal(expected, reply.AuthStat);
    }

    [Fact]
    public async Task A_call_sent_in_many_fragments_and_several_calls_in_one_write_are_all_answered()
    {
        using var raw = await RawRpcConnection.ConnectAsync(_server.LocalEndPoint);
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
    public async Task Replies_come_back_out_of_order_while_a_slow_call_is_in_flight()
    {
        await using var client = await ConnectAsync();
        var slow = client.CallAsync(TestProgram.Number, 1, TestProgram.GatedEcho, RpcMessages.Opaque([1]));

        // The gate opens only after a later call has been answered: a server handling calls one at a time
        // would never answer it, and the test would time out instead of passing.
        var fast = await client.CallAsync(TestProgram.Number, 1, TestProgram.Echo, RpcMessages.Opaque([2])).WaitAsync(Patience);
        Assert.False(slow.IsCompleted);
        _program.Gate.Release();

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
        _program.Gate.Release(gated.Length);
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
        using var raw = await RawRpcConnection.ConnectAsync(_server.LocalEndPoint);
        await raw.SendAsync((byte[])[
            .. RpcRecords.Frame(RpcMessages.Call(91, TestProgram.Number, 1, TestProgram.Rendezvous)),
            .. RpcRecords.Frame(RpcMessages.Call(92, TestProgram.Number, 1, TestProgram.Rendezvous)),
        ]);

        var replies = new[] { await raw.ReceiveReplyAsync(), await raw.ReceiveReplyAsync() };

        Assert.Equal([91u, 92u], replies.Select(r => Assert.IsType<RpcReply>(r).Xid).Order());
        Assert.All(replies, r => Assert.Equal(1u, new XdrReader(r!.EnsureSuccess().Results.Span).ReadUInt32()));
    }

    [Fact]
    public async Task Calls_in_flight_per_connection_are_capped()
    {
        // The connection in memory, so the test can see its admission: once its read loop holds a fifth call it has
        // no room for, a server ignoring the cap would have started it; this one waits for a reply to go out.
        var memory = new MemoryConnection();
        var connection = new RpcConnection(
            RpcServer.NewConnectionId(),
            ConnectionTransport.ForPipe(memory.Server),
            new RpcDispatcher(RpcProgramTable.Build([_program]), NullLogger.Instance),
            new RpcServerOptions { MaxCallsInFlightPerConnection = 4 },
            () => RpcPeer.Datagram(new IPEndPoint(IPAddress.Loopback, 700)),
            NullLogger.Instance);
        var served = connection.RunAsync();
        var replies = CountRecordsAsync(memory.FromServer);
        for (var i = 0; i < 12; i++)
            await memory.ToServer.WriteAsync(RpcRecords.Frame(RpcMessages.Call((uint)i + 1, TestProgram.Number, 1, TestProgram.GatedEcho, arguments: RpcMessages.Opaque([(byte)i]))));

        await Wait.UntilAsync(() => connection.Admission.Refusals > 0, () => $"the read loop to wait for room ({_program.Active} calls running)", Patience);
        Assert.Equal(4, _program.Active);
        _program.Gate.Release(12);
        await memory.ToServer.CompleteAsync();
        await served.WaitAsync(Patience);

        Assert.Equal(12, await replies.WaitAsync(Patience));
        Assert.Equal(4, _program.MaxActive);
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
        var reply = await client.CallAsync(TestProgram.Number, 1, TestProgram.Fill, BigEndian((uint)count));

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
        var call = client.CallAsync(TestProgram.Number, 1, TestProgram.Fill, BigEndian(100_000));
        await Assert.ThrowsAsync<IOException>(() => call.WaitAsync(Patience));
        await Assert.ThrowsAsync<IOException>(() => client.CallAsync(TestProgram.Number, 1, TestProgram.Null));
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
            using var hostile = await RawRpcConnection.ConnectAsync(_server.LocalEndPoint);
            await hostile.SendAsync(bytes);
            Assert.True(await hostile.WaitUntilClosedAsync());
            Assert.True((await good.CallAsync(TestProgram.Number, 1, TestProgram.Echo, RpcMessages.Opaque([9]))).IsSuccess);
        }

        using var endless = await RawRpcConnection.ConnectAsync(_server.LocalEndPoint);
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

    [Fact]
    public async Task Stop_lets_calls_in_flight_finish_and_send_their_replies()
    {
        await using var client = await ConnectAsync();
        var call = client.CallAsync(TestProgram.Number, 1, TestProgram.GatedEcho, RpcMessages.Opaque([5]));
        await Wait.UntilAsync(() => _program.Active == 1, "the call to start", Patience);

        var stop = _server.StopAsync();
        Assert.False(stop.IsCompleted);
        _program.Gate.Release();

        Assert.Equal(new byte[] { 5 }, ReadOpaque(await call.WaitAsync(Patience)));
        await stop.WaitAsync(Patience);
        Assert.Equal(0, _server.ConnectionCount);
        await Assert.ThrowsAnyAsync<Exception>(() => RpcClient.ConnectAsync(_server.LocalEndPoint));
    }

    [Fact]
    public async Task Stop_with_an_expired_token_aborts_calls_that_do_not_finish()
    {
        await using var client = await ConnectAsync();
        var call = client.CallAsync(TestProgram.Number, 1, TestProgram.WaitForCancellation);
        await _program.WaitingForCancellation.Task.WaitAsync(Patience);

        using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await _server.StopAsync(deadline.Token).WaitAsync(Patience);

        Assert.True(await _program.CancellationSeen.Task.WaitAsync(Patience));
        Assert.Equal(0, _server.ConnectionCount);

        // The aborted call ends either with the SYSTEM_ERR reply that raced the close, or with the closed connection.
        try
        {
            Assert.Equal(RpcAcceptStatus.SystemErr, (await call.WaitAsync(Patience)).AcceptStatus);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public void Programs_must_have_distinct_numbers_and_sane_versions()
    {
        Assert.Throws<ArgumentException>(() => new RpcServer([_program, new TestProgram()]));
    }

    [Fact]
    public async Task Calls_carry_the_remote_end_point_and_connection()
    {
        var seen = new List<RpcCall>();
        var recorder = new RecordingProgram(seen);
        await using var server = new RpcServer([recorder]);
        server.Start();
        await using var one = await RpcClient.ConnectAsync(server.LocalEndPoint);
        await using var two = await RpcClient.ConnectAsync(server.LocalEndPoint);
        await one.CallAsync(recorder.Program, 1, 0);
        await two.CallAsync(recorder.Program, 1, 0);

        Assert.Equal(2, seen.Count);
        Assert.Equal(one.LocalEndPoint, seen[0].Peer.EndPoint);
        Assert.Equal(two.LocalEndPoint, seen[1].Peer.EndPoint);
        Assert.NotEqual(seen[0].ConnectionId, seen[1].ConnectionId);
    }

    private static byte[] BigEndian(uint value)
    {
        var bytes = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }

    private static byte[] ReadOpaque(RpcReply reply) => new XdrReader(reply.EnsureSuccess().Results.Span).ReadOpaque(1 << 20).ToArray();

    /// <summary>Counts the record-marked replies a connection writes until it closes its output.</summary>
    private static async Task<int> CountRecordsAsync(PipeReader output)
    {
        var bytes = new List<byte>();
        while (true)
        {
            var result = await output.ReadAsync();
            foreach (var segment in result.Buffer)
                bytes.AddRange(segment.ToArray());
            output.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
                break;
        }

        var records = 0;
        for (var at = 0; at + 4 <= bytes.Count;)
        {
            var mark = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes.GetRange(at, 4).ToArray());
            at += 4 + (int)(mark & 0x7FFF_FFFF);
            if ((mark & 0x8000_0000) != 0)
                records++;
        }

        return records;
    }

    private sealed class RecordingProgram(List<RpcCall> seen) : IRpcProgram
    {
        public uint Program => 0x2000_0002;

        public uint LowVersion => 1;

        public uint HighVersion => 1;

        public ValueTask<RpcAcceptStatus> DispatchAsync(RpcCall call, IBufferWriter<byte> results, CancellationToken cancellationToken)
        {
            lock (seen)
            {
                seen.Add(call);
            }

            return ValueTask.FromResult(RpcAcceptStatus.Success);
        }
    }
}
