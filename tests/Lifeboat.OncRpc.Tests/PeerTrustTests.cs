using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Lifeboat.OncRpc.Client;
using Lifeboat.OncRpc.Peers;
using Lifeboat.OncRpc.Portmap;
using Lifeboat.OncRpc.Rpc;
using Lifeboat.OncRpc.Server;
using Lifeboat.OncRpc.Xdr;
using Xunit.Abstractions;

namespace Lifeboat.OncRpc.Tests;

/// <summary>Who a call comes from, as the kernel says: reserved ports, socket owners in /proc/net/tcp, unix peer credentials.</summary>
public sealed class PeerTrustTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const uint Nfs = 100003;
    private readonly List<RpcCall> _seen = [];
    private readonly CollectingLogger<PortmapProgram> _log = new();
    private PortmapProgram _portmap = null!;
    private RpcServer _server = null!;

    public Task InitializeAsync()
    {
        _portmap = new PortmapProgram(_log);
        _server = new RpcServer([_portmap, new Recorder(_seen)]);
        _server.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Portmap_set_and_unset_from_nobody_over_tcp_are_refused_and_getport_still_answers_the_real_port()
    {
        Assert.True(_portmap.Set(new PortmapMapping(Nfs, 3, PortmapProtocol.Tcp, 2049)));

        // Arguments: program, version, protocol (6 = TCP), port.
        var set = await UnprivilegedRpcCall.OverTcpAsync(_server.Port, PortmapProgram.ProgramNumber, 2, (uint)PortmapProcedure.Set, Nfs, 3, 6, 9999);
        var unset = await UnprivilegedRpcCall.OverTcpAsync(_server.Port, PortmapProgram.ProgramNumber, 2, (uint)PortmapProcedure.Unset, Nfs, 3, 6, 0);
        var getPort = await UnprivilegedRpcCall.OverTcpAsync(_server.Port, PortmapProgram.ProgramNumber, 2, (uint)PortmapProcedure.GetPort, Nfs, 3, 6, 0);

        Assert.Equal(["0", "0"], set[1..]);
        Assert.Equal(["0", "0"], unset[1..]);
        Assert.Equal(["0", "2049"], getPort[1..]);
        Assert.Equal([new PortmapMapping(Nfs, 3, PortmapProtocol.Tcp, 2049)], _portmap.GetMappings());
        Assert.True(_log.Contains(Microsoft.Extensions.Logging.LogLevel.Warning, $"(socket of uid 65534)"), string.Join('\n', _log.Entries));
    }

    [Fact]
    public async Task Root_may_set_from_a_reserved_port_and_from_an_ordinary_port_its_socket_owns()
    {
        await using (var reserved = await PortmapClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, _server.Port)))
        {
            Assert.True(await reserved.SetAsync(new PortmapMapping(Nfs, 3, PortmapProtocol.Tcp, 2049)));
        }

        await using var ordinary = await RpcClient.ConnectAsync(_server.LocalEndPoint, new RpcClientOptions { UseReservedPort = false });
        Assert.True(ordinary.LocalEndPoint.Port >= RpcPeer.FirstUnreservedPort);
        await ordinary.CallAsync(Recorder.Number, 1, 0);
        var peer = Assert.Single(_seen).Peer;
        Assert.Equal((RpcTransport.Tcp, (uint?)0, true), (peer.Transport, peer.SocketOwner, peer.IsPrivileged));
    }

    [Fact]
    public async Task A_call_from_nobody_carries_its_socket_owner_and_is_not_privileged()
    {
        var words = await UnprivilegedRpcCall.OverTcpAsync(_server.Port, Recorder.Number, 1, 0);

        Assert.Equal("0", words[1]);
        var peer = Assert.Single(_seen).Peer;
        Assert.Equal(int.Parse(words[0]), peer.EndPoint!.Port);
        Assert.Equal((true, (uint?)65534, false), (peer.IsLocal, peer.SocketOwner, peer.IsPrivileged));
    }

    [Fact]
    public async Task A_unix_socket_peer_carries_its_process_credentials()
    {
        var path = Path.Combine(Path.GetTempPath(), $"lifeboat-rpc-{Guid.NewGuid():N}.sock");
        await using (var server = new RpcServer([new Recorder(_seen)], new RpcServerOptions { EndPoint = new UnixDomainSocketEndPoint(path) }))
        {
            server.Start();
            await using var client = await RpcClient.ConnectAsync(new UnixDomainSocketEndPoint(path));
            (await client.CallAsync(Recorder.Number, 1, 0)).EnsureSuccess();
        }

        var peer = Assert.Single(_seen).Peer;
        Assert.Equal(RpcTransport.Unix, peer.Transport);
        Assert.Equal(new PeerCredentials(Environment.ProcessId, 0, 0), peer.Credentials);
        Assert.True(peer.IsPrivileged && peer.IsLocal);
        Assert.False(File.Exists(path), "the socket file outlived its server");
    }

    [Fact]
    public async Task The_owner_of_a_loopback_socket_is_found_over_ipv4_and_ipv6_and_the_lookup_is_cheap()
    {
        foreach (var loopback in new[] { IPAddress.Loopback, IPAddress.IPv6Loopback })
        {
            using var listener = new Socket(loopback.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(loopback, 0));
            listener.Listen();
            using var client = new Socket(loopback.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            await client.ConnectAsync(listener.LocalEndPoint!);
            using var accepted = await listener.AcceptAsync();

            Assert.Equal(0u, TcpSocketOwners.FindOwner((IPEndPoint)accepted.RemoteEndPoint!, (IPEndPoint)accepted.LocalEndPoint!));

            // The server's own end (local and remote swapped) is a different row; a port nobody uses has none.
            Assert.Null(TcpSocketOwners.FindOwner(new IPEndPoint(loopback, 1), (IPEndPoint)accepted.LocalEndPoint!));

            const int Lookups = 200;
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < Lookups; i++)
            {
                TcpSocketOwners.FindOwner((IPEndPoint)accepted.RemoteEndPoint!, (IPEndPoint)accepted.LocalEndPoint!);
            }

            var rows = File.ReadLines(loopback.AddressFamily == AddressFamily.InterNetwork ? "/proc/net/tcp" : "/proc/net/tcp6").Count() - 1;
            output.WriteLine($"{loopback}: {clock.Elapsed.TotalMicroseconds / Lookups:F0} µs per look-up with {rows} sockets in the table");
        }
    }

    [Fact]
    public void Addresses_are_spelled_as_the_kernel_spells_them()
    {
        Assert.Equal("0100007F:0801", TcpSocketOwners.Format(IPAddress.Loopback, 2049));
        Assert.Equal("00000000000000000000000001000000:0801", TcpSocketOwners.Format(IPAddress.IPv6Loopback, 2049));
        Assert.Equal("0000000000000000FFFF00000100007F:0801", TcpSocketOwners.Format(IPAddress.Loopback.MapToIPv6(), 2049));
    }

    [Fact]
    public void The_lifeboat_group_counts_its_listed_members_primary_members_and_root()
    {
        using var files = new GroupFiles(
            group: "root:x:0:\nlifeboat:x:990:alice\nstaff:x:50:bob\n",
            passwd: "root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\nbob:x:1001:50::/:/bin/sh\ncarol:x:1002:990::/:/bin/sh\n");
        var group = new LifeboatGroup(files.Group, files.Passwd, files.Proc);

        Assert.Equal(990u, group.Id);
        Assert.Equal([true, true, false, true, false], new uint[] { 0, 1000, 1001, 1002, 65534 }.Select(group.IncludesUser));
    }

    [Fact]
    public void A_process_is_in_the_group_by_its_effective_gid_or_its_supplementary_groups()
    {
        using var files = new GroupFiles(group: "lifeboat:x:990:\n", passwd: "");
        files.AddProcess(10, "Uid:\t1000\t1000\t1000\t1000\nGid:\t1000\t1000\t1000\t1000\nGroups:\t24 990 1000 \n");
        files.AddProcess(11, "Uid:\t1000\t1000\t1000\t1000\nGid:\t990\t990\t990\t990\nGroups:\t\n");
        files.AddProcess(12, "Uid:\t65534\t65534\t65534\t65534\nGid:\t65534\t65534\t65534\t65534\nGroups:\t65534 \n");
        files.AddProcess(13, "Uid:\t1000\t0\t0\t0\nGid:\t1000\t1000\t1000\t1000\nGroups:\t\n");
        var group = new LifeboatGroup(files.Group, files.Passwd, files.Proc);

        Assert.Equal([true, true, false, true, false], new[] { 10, 11, 12, 13, 14 }.Select(group.IncludesProcess));
        Assert.False(new LifeboatGroup(files.Passwd, files.Passwd, files.Proc).IncludesProcess(10));
    }

    private sealed class GroupFiles : IDisposable
    {
        private readonly string _root = Directory.CreateTempSubdirectory("lifeboat-group-").FullName;

        public GroupFiles(string group, string passwd)
        {
            File.WriteAllText(Group, group);
            File.WriteAllText(Passwd, passwd);
            Directory.CreateDirectory(Proc);
        }

        public string Group => Path.Combine(_root, "group");

        public string Passwd => Path.Combine(_root, "passwd");

        public string Proc => Path.Combine(_root, "proc");

        public void AddProcess(int pid, string status)
        {
            Directory.CreateDirectory(Path.Combine(Proc, pid.ToString()));
            File.WriteAllText(Path.Combine(Proc, pid.ToString(), "status"), "Name:\ttest\n" + status);
        }

        public void Dispose() => Directory.Delete(_root, recursive: true);
    }

    private sealed class Recorder(List<RpcCall> seen) : IRpcProgram
    {
        public const uint Number = 0x2000_0003;

        public uint Program => Number;

        public uint LowVersion => 1;

        public uint HighVersion => 1;

        public ValueTask<RpcAcceptStatus> DispatchAsync(RpcCall call, IBufferWriter<byte> results, CancellationToken cancellationToken)
        {
            lock (seen)
            {
                seen.Add(call);
            }

            new XdrWriter(results).WriteUInt32(0);
            return ValueTask.FromResult(RpcAcceptStatus.Success);
        }
    }
}
