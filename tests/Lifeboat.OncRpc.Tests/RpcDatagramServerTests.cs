using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Lifeboat.OncRpc.Client;
using Lifeboat.OncRpc.Portmap;
using Lifeboat.OncRpc.Rpc;
using Lifeboat.OncRpc.Server;
using Lifeboat.OncRpc.Xdr;
using Microsoft.Extensions.Logging;

namespace Lifeboat.OncRpc.Tests;

/// <summary>ONC RPC over UDP: one call per datagram, answered to its sender, refused or dropped like TCP refuses or closes.</summary>
public sealed class RpcDatagramServerTests : IAsyncLifetime
{
    private const uint Mount = 100005;
    private readonly PortmapProgram _portmap = new();
    private readonly TestProgram _program = new();
    private readonly CollectingLogger<RpcDatagramServer> _log = new();
    private RpcDatagramServer _server = null!;
    private DatagramClient _client = null!;

    public Task InitializeAsync()
    {
        _server = Start(new RpcDatagramServerOptions());
        _client = new DatagramClient(_server.LocalEndPoint);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        _program.Gate.Release(1000);
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Null_is_answered_with_the_call_xid()
    {
        var reply = await _client.CallAsync(RpcMessages.Call(0xCAFE, PortmapProgram.ProgramNumber, 2, (uint)PortmapProcedure.Null));
        Assert.Equal(0xCAFEu, reply.Xid);
        Assert.True(reply.IsSuccess);
        Assert.True(reply.Results.IsEmpty);
    }

    [Fact]
    public async Task Getport_answers_the_mapped_port_and_zero_for_what_is_not_mapped()
    {
        Assert.True(_portmap.Set(new PortmapMapping(Mount, 3, PortmapProtocol.Tcp, 20048)));

        Assert.Equal(20048u, ReadUInt32(await _client.CallAsync(Portmap(1, PortmapProcedure.GetPort, new PortmapMapping(Mount, 3, PortmapProtocol.Tcp, 0)))));
        Assert.Equal(0u, ReadUInt32(await _client.CallAsync(Portmap(2, PortmapProcedure.GetPort, new PortmapMapping(Mount, 3, PortmapProtocol.Udp, 0)))));
        Assert.Equal(0u, ReadUInt32(await _client.CallAsync(Portmap(3, PortmapProcedure.GetPort, new PortmapMapping(Mount, 1, PortmapProtocol.Tcp, 0)))));
    }

    [Fact]
    public async Task Dump_lists_every_mapping()
    {
        PortmapMapping[] mappings =
        [
            new(PortmapProgram.ProgramNumber, 2, PortmapProtocol.Udp, 111),
            new(Mount, 3, PortmapProtocol.Tcp, 20048),
            new(100003, 3, PortmapProtocol.Tcp, 2049),
        ];
        foreach (var mapping in mappings)
        {
            Assert.True(_portmap.Set(mapping));
        }

        var reply = await _client.CallAsync(Portmap(4, PortmapProcedure.Dump));

        var reader = new XdrReader(reply.EnsureSuccess().Results.Span);
        var listed = new List<PortmapMapping>();
        while (reader.ReadBool())
        {
            listed.Add(PortmapMapping.Read(ref reader));
        }

        Assert.Equal(0, reader.Remaining);
        Assert.Equal(_portmap.GetMappings(), listed);
        Assert.Equal(mappings.OrderBy(m => m.Program), listed.OrderBy(m => m.Program));
    }

    [Fact]
    public async Task Set_and_unset_from_a_reserved_port_on_loopback_change_the_table()
    {
        using var root = new DatagramClient(_server.LocalEndPoint, reservedPort: true);
        var mapping = new PortmapMapping(Mount, 3, PortmapProtocol.Udp, 20048);
        Assert.True(ReadBool(await root.CallAsync(Portmap(5, PortmapProcedure.Set, mapping))));
        Assert.Equal([mapping], _portmap.GetMappings());
        Assert.False(ReadBool(await root.CallAsync(Portmap(6, PortmapProcedure.Set, mapping with { Port = 1 }))));

        Assert.True(ReadBool(await root.CallAsync(Portmap(7, PortmapProcedure.Unset, mapping with { Port = 0 }))));
        Assert.Empty(_portmap.GetMappings());
    }

    [Fact]
    public async Task Set_and_unset_from_an_unreserved_port_are_refused_and_getport_still_answers()
    {
        // A datagram's sender cannot be looked up as a TCP socket's owner can: over UDP only the port counts.
        Assert.True(_portmap.Set(new PortmapMapping(Mount, 3, PortmapProtocol.Udp, 20048)));
        Assert.False(ReadBool(await _client.CallAsync(Portmap(5, PortmapProcedure.Unset, new PortmapMapping(Mount, 3, PortmapProtocol.Udp, 0)))));
        Assert.False(ReadBool(await _client.CallAsync(Portmap(6, PortmapProcedure.Set, new PortmapMapping(100003, 3, PortmapProtocol.Udp, 9999)))));

        Assert.Equal([new PortmapMapping(Mount, 3, PortmapProtocol.Udp, 20048)], _portmap.GetMappings());
        var reply = await _client.CallAsync(Portmap(7, PortmapProcedure.GetPort, new PortmapMapping(Mount, 3, PortmapProtocol.Udp, 0)));
        Assert.Equal(20048u, new XdrReader(reply.Results.Span).ReadUInt32());
    }

    [Fact]
    public async Task An_ipv4_caller_of_a_dual_mode_server_is_seen_as_loopback()
    {
        await using var server = Start(new RpcDatagramServerOptions { EndPoint = new IPEndPoint(IPAddress.IPv6Any, 0) });
        using var client = new DatagramClient(new IPEndPoint(IPAddress.Loopback, server.Port), reservedPort: true);
        var mapping = new PortmapMapping(Mount, 3, PortmapProtocol.Tcp, 20048);

        Assert.True(ReadBool(await client.CallAsync(Portmap(8, PortmapProcedure.Set, mapping))));
        Assert.Equal([mapping], _portmap.GetMappings());
    }

    [Fact]
    public async Task Unknown_program_is_prog_unavail()
    {
        var reply = await _client.CallAsync(RpcMessages.Call(9, 999, 1, 0));
        Assert.Equal(9u, reply.Xid);
        Assert.Equal(RpcReplyStatus.Accepted, reply.Status);
        Assert.Equal(RpcAcceptStatus.ProgUnavail, reply.AcceptStatus);
    }

    [Fact]
    public async Task Wrong_version_is_prog_mismatch_with_the_range()
    {
        var portmap = await _client.CallAsync(RpcMessages.Call(10, PortmapProgram.ProgramNumber, 4, 0));
        var test = await _client.CallAsync(RpcMessages.Call(11, TestProgram.Number, 3, 0));
        Assert.Equal(RpcAcceptStatus.ProgMismatch, portmap.AcceptStatus);
        Assert.Equal((2u, 2u), (portmap.MismatchLow, portmap.MismatchHigh));
        Assert.Equal(RpcAcceptStatus.ProgMismatch, test.AcceptStatus);
        Assert.Equal((1u, 2u), (test.MismatchLow, test.MismatchHigh));
    }

    [Fact]
    public async Task Rpc_version_3_is_rpc_mismatch_and_unknown_credentials_auth_error()
    {
        var version = await _client.CallAsync(RpcMessages.Call(12, PortmapProgram.ProgramNumber, 2, 0, rpcVersion: 3));
        var credentials = await _client.CallAsync(RpcMessages.Call(13, PortmapProgram.ProgramNumber, 2, 0, credentialFlavor: 6));

        Assert.Equal((12u, RpcReplyStatus.Denied, RpcRejectStatus.RpcMismatch), (version.Xid, version.Status, version.RejectStatus));
        Assert.Equal((2u, 2u), (version.MismatchLow, version.MismatchHigh));
        Assert.Equal((13u, RpcReplyStatus.Denied, RpcRejectStatus.AuthError), (credentials.Xid, credentials.Status, credentials.RejectStatus));
        Assert.Equal(AuthStat.BadCred, credentials.AuthStat);
    }

    [Fact]
    public async Task Procedure_outcomes_become_the_replies_tcp_sends()
    {
        var failed = await _client.CallAsync(RpcMessages.Call(14, TestProgram.Number, 1, TestProgram.Throw));
        var refused = await _client.CallAsync(RpcMessages.Call(15, TestProgram.Number, 1, TestProgram.RejectAuth));
        var garbage = await _client.CallAsync(RpcMessages.Call(16, TestProgram.Number, 1, TestProgram.Echo, arguments: [0, 0, 0, 8, 1]));
        var echo = await _client.CallAsync(RpcMessages.Call(17, TestProgram.Number, 2, TestProgram.Echo, arguments: RpcMessages.Opaque([1, 2, 3])));

        Assert.Equal(RpcAcceptStatus.SystemErr, failed.AcceptStatus);
        Assert.Equal((RpcRejectStatus.AuthError, AuthStat.TooWeak), (refused.RejectStatus, refused.AuthStat));
        Assert.Equal(RpcAcceptStatus.GarbageArgs, garbage.AcceptStatus);
        Assert.Equal(new byte[] { 1, 2, 3 }, new XdrReader(echo.EnsureSuccess().Results.Span).ReadOpaque(16).ToArray());
        Assert.True(_log.Contains(LogLevel.Error, "replied SYSTEM_ERR"));
    }

    [Fact]
    public async Task Garbage_datagrams_are_dropped_and_the_next_call_is_answered()
    {
        await _client.SendAsync([1, 2, 3]);
        await _client.SendAsync([]);
        await _client.SendAsync(RpcMessages.Call(18, PortmapProgram.ProgramNumber, 2, 0)[..10]);
        var reply = RpcMessages.Call(19, PortmapProgram.ProgramNumber, 2, 0);
        reply[7] = 1; // msg_type REPLY: not a call
        await _client.SendAsync(reply);

        // Datagrams are handled in order by one loop: had any garbage been answered, its reply would come first.
        var answer = await _client.CallAsync(RpcMessages.Call(20, PortmapProgram.ProgramNumber, 2, 0));
        Assert.Equal(20u, answer.Xid);
        Assert.True(answer.IsSuccess);
        Assert.Equal(4, _log.Entries.Count(e => e.Message.Contains("is not a readable RPC call", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_call_larger_than_the_datagram_limit_is_dropped_and_one_at_the_limit_answered()
    {
        await using var server = Start(new RpcDatagramServerOptions { MaxDatagramSize = 1024 });
        using var client = new DatagramClient(server.LocalEndPoint);
        var header = RpcMessages.Call(0, TestProgram.Number, 1, TestProgram.Null).Length;

        await client.SendAsync(RpcMessages.Call(21, TestProgram.Number, 1, TestProgram.Null, arguments: new byte[1025 - header]));
        await client.SendAsync(RpcMessages.Call(22, TestProgram.Number, 1, TestProgram.Null, arguments: new byte[4000]));
        var atLimit = await client.CallAsync(RpcMessages.Call(23, TestProgram.Number, 1, TestProgram.Null, arguments: new byte[1024 - header]));

        Assert.Equal(23u, atLimit.Xid);
        Assert.True(atLimit.IsSuccess);
        Assert.Equal(2, _log.Entries.Count(e => e.Message.Contains("larger than 1024 bytes", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_reply_larger_than_the_datagram_limit_is_dropped_with_a_warning()
    {
        await using var server = Start(new RpcDatagramServerOptions { MaxDatagramSize = 1024 });
        using var client = new DatagramClient(server.LocalEndPoint);

        await client.SendAsync(RpcMessages.Call(24, TestProgram.Number, 1, TestProgram.Fill, arguments: Words(2000)));
        var small = await client.CallAsync(RpcMessages.Call(25, TestProgram.Number, 1, TestProgram.Fill, arguments: Words(100)));

        Assert.Equal(25u, small.Xid);
        Assert.Equal(100, new XdrReader(small.EnsureSuccess().Results.Span).ReadOpaque(4096).Length);
        Assert.True(_log.Contains(LogLevel.Warning, "Reply 24 to 127.0.0.1:"));
    }

    [Fact]
    public async Task A_call_that_waits_does_not_hold_up_the_next_datagram()
    {
        await _client.SendAsync(RpcMessages.Call(26, TestProgram.Number, 1, TestProgram.GatedEcho, arguments: RpcMessages.Opaque([9])));
        var next = await _client.CallAsync(RpcMessages.Call(27, TestProgram.Number, 1, TestProgram.Null));
        Assert.Equal(27u, next.Xid);

        _program.Gate.Release();
        var gated = await _client.ReceiveReplyAsync();
        Assert.Equal(26u, gated.Xid);
        Assert.Equal(new byte[] { 9 }, new XdrReader(gated.EnsureSuccess().Results.Span).ReadOpaque(16).ToArray());
    }

    [Fact]
    public async Task Stop_sends_the_reply_of_a_call_in_flight_then_frees_the_port()
    {
        await using var server = Start(new RpcDatagramServerOptions());
        using var client = new DatagramClient(server.LocalEndPoint);
        await client.SendAsync(RpcMessages.Call(28, TestProgram.Number, 1, TestProgram.GatedEcho, arguments: RpcMessages.Opaque([5])));
        Assert.Equal(29u, (await client.CallAsync(RpcMessages.Call(29, TestProgram.Number, 1, TestProgram.Null))).Xid);

        var stop = server.StopAsync();
        Assert.False(stop.IsCompleted, "stop finished while a call was still running");
        _program.Gate.Release();
        await stop;

        var reply = await client.ReceiveReplyAsync();
        Assert.Equal(28u, reply.Xid);
        Assert.True(reply.IsSuccess);
        // Freed means no socket of this process holds the port any more. (Binding it again proved that until another
        // process's UDP client took the same ephemeral port in between, on a busy machine: "Address already in use".)
        Assert.False(ThisProcessHoldsUdpPort(((IPEndPoint)server.LocalEndPoint).Port), "the server's UDP socket is still open after stop");
    }

    /// <summary>Whether a socket open in this process is bound to UDP port <paramref name="port"/> (/proc/net/udp by inode).</summary>
    private static bool ThisProcessHoldsUdpPort(int port)
    {
        var ours = new HashSet<string>(StringComparer.Ordinal);
        foreach (var fd in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            var target = new FileInfo(fd).LinkTarget;
            if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal))
                ours.Add(target["socket:[".Length..^1]);
        }

        var hexPort = ":" + port.ToString("X4", System.Globalization.CultureInfo.InvariantCulture);
        return File.ReadLines("/proc/net/udp").Skip(1)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Any(fields => fields.Length > 9 && fields[1].EndsWith(hexPort, StringComparison.Ordinal) && ours.Contains(fields[9]));
    }

    [Fact]
    public async Task Stop_cancelled_cancels_the_calls_in_flight()
    {
        await using var server = Start(new RpcDatagramServerOptions());
        using var client = new DatagramClient(server.LocalEndPoint);
        await client.SendAsync(RpcMessages.Call(30, TestProgram.Number, 1, TestProgram.WaitForCancellation));
        await _program.WaitingForCancellation.Task.WaitAsync(TimeSpan.FromSeconds(30));

        await server.StopAsync(new CancellationToken(canceled: true));

        Assert.True(await _program.CancellationSeen.Task);
        Assert.Equal(RpcAcceptStatus.SystemErr, (await client.ReceiveReplyAsync()).AcceptStatus);
        Assert.False(_log.Contains(LogLevel.Error, "replied SYSTEM_ERR"));
    }

    [Fact]
    public void Options_out_of_range_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RpcDatagramServer([_portmap], new RpcDatagramServerOptions { MaxDatagramSize = 70_000 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RpcDatagramServer([_portmap], new RpcDatagramServerOptions { MaxCallsInFlight = 0 }));
        Assert.Throws<ArgumentException>(() => new RpcDatagramServer([_portmap, new PortmapProgram()]));
    }

    [Fact]
    public async Task A_taken_port_fails_start()
    {
        await using var second = new RpcDatagramServer([_portmap], new RpcDatagramServerOptions { EndPoint = _server.LocalEndPoint });
        var error = Assert.Throws<SocketException>(second.Start);
        Assert.Equal(SocketError.AddressAlreadyInUse, error.SocketErrorCode);
    }

    [Fact]
    public async Task Rpcinfo_pings_programs_over_udp()
    {
        await Rpcinfo.AssertProgramsAnswerAsync(_server.Port, "udp");
    }

    private RpcDatagramServer Start(RpcDatagramServerOptions options)
    {
        var server = new RpcDatagramServer([_portmap, _program], options, _log);
        server.Start();
        return server;
    }

    private static byte[] Portmap(uint xid, PortmapProcedure procedure, PortmapMapping? mapping = null)
    {
        var arguments = new ArrayBufferWriter<byte>();
        mapping?.WriteTo(new XdrWriter(arguments));
        return RpcMessages.Call(xid, PortmapProgram.ProgramNumber, 2, (uint)procedure, arguments: arguments.WrittenSpan.ToArray());
    }

    private static byte[] Words(uint value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        new XdrWriter(buffer).WriteUInt32(value);
        return buffer.WrittenSpan.ToArray();
    }

    private static uint ReadUInt32(RpcReply reply) => new XdrReader(reply.EnsureSuccess().Results.Span).ReadUInt32();

    private static bool ReadBool(RpcReply reply) => new XdrReader(reply.EnsureSuccess().Results.Span).ReadBool();
}
