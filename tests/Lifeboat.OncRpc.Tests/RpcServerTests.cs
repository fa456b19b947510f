using System.Buffers;
using Lifeboat.OncRpc.Client;
using Lifeboat.OncRpc.Rpc;
using Lifeboat.OncRpc.Server;
using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.OncRpc.Tests;

/// <summary>Calls and their replies over TCP: results, every error RFC 5531 names, credentials, and what a program learns of its caller.</summary>
public sealed class RpcServerTests : RpcServerTest
{
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
        using var raw = await RawRpcConnection.ConnectAsync(Server.LocalEndPoint);
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
        using var raw = await RawRpcConnection.ConnectAsync(Server.LocalEndPoint);
        await raw.SendAsync(RpcRecords.Frame(call));
        var reply = await raw.ReceiveReplyAsync();

        Assert.True(reply is not null, why);
        Assert.Equal(RpcReplyStatus.Denied, reply.Status);
        Assert.Equal(RpcRejectStatus.AuthError, reply.RejectStatus);
        Assert.Equal(expected, reply.AuthStat);
    }

    [Fact]
    public void Programs_must_have_distinct_numbers_and_sane_versions()
    {
        Assert.Throws<ArgumentException>(() => new RpcServer([Program, new TestProgram()]));
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
