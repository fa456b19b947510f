using System.Net;
using System.Net.Sockets;
using Lifeboat.OncRpc.Client;

namespace Lifeboat.OncRpc.Tests;

/// <summary>A bare UDP socket for sending arbitrary datagrams to a server and reading the replies it sends back.</summary>
internal sealed class DatagramClient : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly Socket _socket;
    private readonly IPEndPoint _server;
    private readonly IPEndPoint _anySender;

    /// <param name="reservedPort">Send from a port below 1024 (the tests run as root), as a privileged local caller does.</param>
    public DatagramClient(IPEndPoint server, IPAddress? localAddress = null, bool reservedPort = false)
    {
        _server = server;
        localAddress ??= server.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
        _socket = new Socket(localAddress.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        if (reservedPort)
        {
            BindReservedPort(localAddress);
        }
        else
        {
            _socket.Bind(new IPEndPoint(localAddress, 0));
        }

        _anySender = new IPEndPoint(localAddress.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    public async Task SendAsync(byte[] datagram)
    {
        using var cts = new CancellationTokenSource(Timeout);
        await _socket.SendToAsync(datagram, SocketFlags.None, _server, cts.Token);
    }

    /// <summary>The next reply the server sends; fails the test when none comes within 30 seconds.</summary>
    public async Task<RpcReply> ReceiveReplyAsync()
    {
        var buffer = new byte[65536];
        using var cts = new CancellationTokenSource(Timeout);
        var received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, _anySender, cts.Token);
        Assert.Equal(_server.Port, ((IPEndPoint)received.RemoteEndPoint).Port);
        return RpcReply.Parse(buffer.AsMemory(0, received.ReceivedBytes));
    }

    /// <summary>Reads replies until the one to <paramref name="xid"/>, skipping replies to earlier datagrams.</summary>
    public async Task<RpcReply> ReceiveReplyAsync(uint xid)
    {
        while (true)
        {
            var reply = await ReceiveReplyAsync();
            if (reply.Xid == xid)
            {
                return reply;
            }
        }
    }

    public async Task<RpcReply> CallAsync(byte[] call)
    {
        await SendAsync(call);
        return await ReceiveReplyAsync();
    }

    public void Dispose() => _socket.Dispose();

    private void BindReservedPort(IPAddress localAddress)
    {
        for (var port = 1023; port >= 600; port--)
        {
            try
            {
                _socket.Bind(new IPEndPoint(localAddress, port));
                return;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
            }
        }

        Assert.Fail("Every UDP port from 600 to 1023 is taken on loopback.");
    }
}
