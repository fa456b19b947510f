using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Lifeboat.Nfs.Datastore;
using Lifeboat.Nfs.Mount;
using Lifeboat.Nfs.Nfs3;
using Lifeboat.Nfs.Server;
using Lifeboat.Nfs.Tests.Support;
using Lifeboat.OncRpc.Client;
using Lifeboat.OncRpc.Portmap;
using Lifeboat.OncRpc.Rpc;
using Lifeboat.OncRpc.Server;
using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.Nfs.Tests;

/// <summary>How the host finds its clients a portmap: serving it, registering with one already there, or neither.</summary>
public sealed class NfsServerTests
{
    [Fact]
    public async Task Serves_portmap_on_a_free_port_with_mount_and_nfs_mapped()
    {
        var portmapPort = FreePorts.TcpAndUdp();
        await using var server = new NfsServer(Options(portmapPort));
        await server.StartAsync();
        Assert.Equal(PortmapMode.Served, server.PortmapMode);

        await using var portmap = await PortmapClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, portmapPort));
        Assert.Equal((uint)server.Port, await portmap.GetPortAsync(MountConstants.Program, MountConstants.Version, PortmapProtocol.Tcp));
        Assert.Equal((uint)server.Port, await portmap.GetPortAsync(Nfs3Constants.Program, Nfs3Constants.Version, PortmapProtocol.Tcp));
    }

    [Fact]
    public async Task Serves_portmap_over_udp_on_the_same_port_for_rpcinfo_p_and_closes_it_at_stop()
    {
        var portmapPort = FreePorts.TcpAndUdp();
        await using var server = new NfsServer(Options(portmapPort));
        await server.StartAsync();
        Assert.Equal(PortmapMode.Served, server.PortmapMode);

        var endPoint = new IPEndPoint(IPAddress.Loopback, portmapPort);
        Assert.Equal((uint)portmapPort, await GetPortOverUdpAsync(endPoint, PortmapProgram.ProgramNumber, PortmapProtocol.Udp));
        Assert.Equal((uint)server.Port, await GetPortOverUdpAsync(endPoint, MountConstants.Program, PortmapProtocol.Tcp));
        Assert.Equal((uint)server.Port, await GetPortOverUdpAsync(endPoint, Nfs3Constants.Program, PortmapProtocol.Tcp));
        Assert.Equal(0u, await GetPortOverUdpAsync(endPoint, MountConstants.Program, PortmapProtocol.Udp));
        Assert.Equal(0u, await GetPortOverUdpAsync(endPoint, Nfs3Constants.Program, PortmapProtocol.Udp));

        await server.StopAsync();
        using var rebound = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        rebound.Bind(endPoint);
    }

    [Fact]
    public async Task A_portmap_port_taken_over_udp_leaves_portmap_served_over_tcp()
    {
        using var squatter = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var portmapPort = FreePorts.TcpAndUdp();
        squatter.Bind(new IPEndPoint(IPAddress.Loopback, portmapPort));

        await using var server = new NfsServer(Options(portmapPort));
        await server.StartAsync();
        Assert.Equal(PortmapMode.Served, server.PortmapMode);

        await using var portmap = await PortmapClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, portmapPort));
        Assert.Equal((uint)server.Port, await portmap.GetPortAsync(MountConstants.Program, MountConstants.Version, PortmapProtocol.Tcp));
        Assert.Equal(0u, await portmap.GetPortAsync(PortmapProgram.ProgramNumber, PortmapProgram.ProgramVersion, PortmapProtocol.Udp));
    }

    [Fact]
    public async Task Registers_with_a_portmapper_that_owns_the_port_and_unregisters_at_stop()
    {
        await using var system = new RpcServer([new PortmapProgram()], new RpcServerOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, 0) });
        system.Start();
        await using var portmap = await PortmapClient.ConnectAsync(system.LocalEndPoint);

        using var folder = new TestFolder();
        var server = new NfsServer(Options(system.Port));
        await server.StartAsync();
        Assert.Equal(PortmapMode.RegisteredWithSystem, server.PortmapMode);
        Assert.Equal((uint)server.Port, await portmap.GetPortAsync(MountConstants.Program, MountConstants.Version, PortmapProtocol.Tcp));
        Assert.Equal((uint)server.Port, await portmap.GetPortAsync(Nfs3Constants.Program, Nfs3Constants.Version, PortmapProtocol.Tcp));

        var publication = server.Publish("vm1", [], [MemoryDisk.Random(4096, 2)], folder.Combine("cache"));
        Assert.Equal("nfs://127.0.0.1/lifeboat/vm1/disk0.raw", server.DiskUrls(publication).Single());
        Assert.Equal($"nfs://127.0.0.1/lifeboat/vm1/vm1.vmx?nfsport={server.Port}&mountport={server.Port}", server.Url("vm1", "vm1.vmx", withPorts: true));

        await server.StopAsync();
        Assert.Equal(0u, await portmap.GetPortAsync(MountConstants.Program, MountConstants.Version, PortmapProtocol.Tcp));
        Assert.Equal(0u, await portmap.GetPortAsync(Nfs3Constants.Program, Nfs3Constants.Version, PortmapProtocol.Tcp));
    }

    [Fact]
    public async Task Without_portmap_the_urls_carry_the_ports()
    {
        using var folder = new TestFolder();
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var squatted = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var accepting = AcceptAndCloseAsync(squatter);

        await using var server = new NfsServer(Options(squatted));
        await server.StartAsync();
        Assert.Equal(PortmapMode.Off, server.PortmapMode);
        var publication = server.Publish("vm 1", [], [MemoryDisk.Random(4096, 2), MemoryDisk.Random(4096, 3)], folder.Combine("cache"));
        Assert.Equal(
            [$"nfs://127.0.0.1/lifeboat/vm%201/disk0.raw?nfsport={server.Port}&mountport={server.Port}", $"nfs://127.0.0.1/lifeboat/vm%201/disk1.raw?nfsport={server.Port}&mountport={server.Port}"],
            server.DiskUrls(publication));
        squatter.Stop();
        await accepting;
    }

    private static NfsServerOptions Options(int portmapPort) => new()
    {
        EndPoint = new IPEndPoint(IPAddress.Loopback, 0),
        PortmapPort = portmapPort,
        Datastore = new DatastoreOptions { DatastoreId = 77 },
    };

    /// <summary>Portmap GETPORT in one UDP datagram, as rpcinfo and the kernel's mount ask it.</summary>
    private static async Task<uint> GetPortOverUdpAsync(IPEndPoint portmap, uint program, PortmapProtocol protocol)
    {
        var version = program == PortmapProgram.ProgramNumber ? PortmapProgram.ProgramVersion : 3u;
        var call = new ArrayBufferWriter<byte>();
        var writer = new XdrWriter(call);
        RpcMessageEncoder.WriteCallHeader(writer, 0x5150, PortmapProgram.ProgramNumber, PortmapProgram.ProgramVersion, (uint)PortmapProcedure.GetPort, RpcCredentials.None);
        new PortmapMapping(program, version, protocol, 0).WriteTo(writer);

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await socket.SendToAsync(call.WrittenMemory, SocketFlags.None, portmap, timeout.Token);
        var buffer = new byte[1024];
        var received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), timeout.Token);
        var reply = RpcReply.Parse(buffer.AsMemory(0, received.ReceivedBytes));
        Assert.Equal(0x5150u, reply.Xid);
        return new XdrReader(reply.EnsureSuccess().Results.Span).ReadUInt32();
    }

    private static async Task AcceptAndCloseAsync(TcpListener listener)
    {
        try
        {
            while (true)
            {
                using var client = await listener.AcceptTcpClientAsync();
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }
}
