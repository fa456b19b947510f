using System.Net;
using System.Net.Sockets;
using Lifeboat.OncRpc.Portmap;
using Lifeboat.OncRpc.Rpc;
using Lifeboat.OncRpc.Server;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Nfs.Server;

/// <summary>
/// The mount server at one more address of this machine: MOUNT and NFS on the server's port, and its own portmap on
/// the portmap port (TCP and UDP) when the server runs one. The programs are the server's own objects, so a client
/// there sees the same datastore and the same allow list decides.
/// </summary>
internal sealed class NfsAddressListener : IAsyncDisposable
{
    private readonly RpcServer _server;
    private readonly RpcServer? _portmap;
    private readonly RpcDatagramServer? _portmapDatagram;

    private NfsAddressListener(RpcServer server, RpcServer? portmap, RpcDatagramServer? portmapDatagram)
    {
        _server = server;
        _portmap = portmap;
        _portmapDatagram = portmapDatagram;
    }

    public IPEndPoint EndPoint => _server.LocalEndPoint;

    /// <summary>Throws <see cref="SocketException"/> when the NFS port cannot be had there; a portmap port that cannot is logged and left out.</summary>
    public static async Task<NfsAddressListener> StartAsync(
        IReadOnlyList<IRpcProgram> programs, PortmapProgram portmap, IPEndPoint endPoint, int portmapPort, ILoggerFactory loggerFactory)
    {
        var server = new RpcServer(programs, new RpcServerOptions { EndPoint = endPoint }, loggerFactory.CreateLogger<RpcServer>());
        try
        {
            server.Start();
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        if (portmapPort == 0)
        {
            return new NfsAddressListener(server, null, null);
        }

        var portmapEndPoint = new IPEndPoint(endPoint.Address, portmapPort);
        var tcp = new RpcServer([portmap], new RpcServerOptions { EndPoint = portmapEndPoint }, loggerFactory.CreateLogger<RpcServer>());
        var udp = new RpcDatagramServer([portmap], new RpcDatagramServerOptions { EndPoint = portmapEndPoint }, loggerFactory.CreateLogger<RpcDatagramServer>());
        try
        {
            tcp.Start();
            udp.Start();
            return new NfsAddressListener(server, tcp, udp);
        }
        catch (SocketException ex)
        {
            await udp.DisposeAsync().ConfigureAwait(false);
            await tcp.DisposeAsync().ConfigureAwait(false);
            NfsServerLog.PortmapUnavailable(loggerFactory.CreateLogger<NfsServer>(), portmapPort, $"{ex.SocketErrorCode} at {endPoint.Address}", endPoint.Port);
            return new NfsAddressListener(server, null, null);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_portmapDatagram is not null)
        {
            await _portmapDatagram.DisposeAsync().ConfigureAwait(false);
        }

        if (_portmap is not null)
        {
            await _portmap.DisposeAsync().ConfigureAwait(false);
        }

        await _server.DisposeAsync().ConfigureAwait(false);
    }
}
