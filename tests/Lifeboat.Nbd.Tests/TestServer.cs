using System.Net;
using System.Net.Sockets;
using Lifeboat.Nbd.Server;

namespace Lifeboat.Nbd.Tests;

/// <summary>Our NBD server on a loopback port and, for the same exports, on a unix socket.</summary>
internal sealed class TestServer : IAsyncDisposable
{
    private TestServer(NbdServer tcp, NbdServer unix, string socketPath, NbdExportTable exports, CollectingLogger<NbdServer> logger)
    {
        Tcp = tcp;
        Unix = unix;
        SocketPath = socketPath;
        Exports = exports;
        Logger = logger;
    }

    public NbdServer Tcp { get; }

    public NbdServer Unix { get; }

    public string SocketPath { get; }

    public NbdExportTable Exports { get; }

    public CollectingLogger<NbdServer> Logger { get; }

    public IPEndPoint EndPoint => (IPEndPoint)Tcp.LocalEndPoint;

    public int Port => Tcp.Port;

    public string Url(string export) => $"nbd://127.0.0.1:{Port}/{export}";

    public string UnixUrl(string export) => $"nbd+unix:///{export}?socket={SocketPath}";

    public static TestServer Start(TestFolder folder, Action<NbdServerOptions>? configure = null)
    {
        var exports = new NbdExportTable();
        var logger = new CollectingLogger<NbdServer>();
        var tcpOptions = new NbdServerOptions();
        configure?.Invoke(tcpOptions);
        var socketPath = folder.Combine("ours.sock");
        var unixOptions = new NbdServerOptions { EndPoint = new UnixDomainSocketEndPoint(socketPath) };
        configure?.Invoke(unixOptions);
        unixOptions.EndPoint = new UnixDomainSocketEndPoint(socketPath);
        var tcp = new NbdServer(exports, tcpOptions, logger);
        var unix = new NbdServer(exports, unixOptions, logger);
        tcp.Start();
        unix.Start();
        return new TestServer(tcp, unix, socketPath, exports, logger);
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await Tcp.StopAsync(timeout.Token);
        await Unix.StopAsync(timeout.Token);
    }
}
