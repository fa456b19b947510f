using System.Net;
using System.Net.Sockets;
using Lifeboat.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lifeboat.Nbd.Server;

/// <summary>
/// An NBD server (fixed newstyle, structured replies, <c>base:allocation</c>) over TCP or a unix socket, each
/// connection with many requests in flight and replies in any order. A client that breaks the protocol is
/// disconnected without disturbing the others; a device that fails fails only that request, with NBD_EIO.
/// With <see cref="NbdServerOptions.Tls"/> set the server is in forced TLS mode (NBD_OPT_STARTTLS before anything else).
/// </summary>
public sealed class NbdServer : IAsyncDisposable
{
    private readonly INbdExportProvider _exports;
    private readonly NbdServerOptions _options;
    private readonly NbdTlsAuthenticator? _tls;
    private readonly ILogger _logger;
    private readonly ConnectionListener _listener;
    private readonly Lock _stateLock = new();
    private Task? _stopTask;

    public NbdServer(INbdExportProvider exports, NbdServerOptions? options = null, ILogger<NbdServer>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(exports);
        _exports = exports;
        _options = options ?? new NbdServerOptions();
        _options.Validate();
        _tls = _options.Tls is null ? null : new NbdTlsAuthenticator(_options.Tls);
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _listener = new ConnectionListener(
            "NBD",
            new ListenerOptions(_options.EndPoint, _options.ListenBacklog, _options.MaxConnections, ReplaceSocketFile: true),
            Accept,
            _logger);
    }

    /// <summary>The address the server listens on: the actual port when the options asked for port 0.</summary>
    public EndPoint LocalEndPoint => _listener.BoundEndPoint ?? throw new InvalidOperationException("The NBD server is not started; call Start first.");

    /// <summary>The TCP port, or 0 on a unix socket.</summary>
    public int Port => LocalEndPoint is IPEndPoint ip ? ip.Port : 0;

    public int ConnectionCount => _listener.ConnectionCount;

    /// <summary>Binds and starts accepting. Throws <see cref="SocketException"/> when the address is taken.</summary>
    public void Start()
    {
        lock (_stateLock)
        {
            if (_stopTask is not null)
            {
                throw new InvalidOperationException("An NBD server can be started only once.");
            }

            NbdServerLog.Listening(_logger, _listener.Start());
        }
    }

    /// <summary>
    /// Stops accepting, lets every connection finish the requests it has read and send their replies, then closes
    /// them. When <paramref name="cancellationToken"/> fires first, the rest are closed at once.
    /// </summary>
    public Task StopAsync(CancellationToken cancellationToken = default)
    {
        lock (_stateLock)
        {
            _stopTask ??= StopCoreAsync(cancellationToken);
            return _stopTask;
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    /// <summary>Serves one connection whose bytes come and go through <paramref name="pipe"/> (fuzzing, benchmarks).</summary>
    internal Task ServeAsync(System.IO.Pipelines.IDuplexPipe pipe) =>
        new NbdConnection(ConnectionListener.NewConnectionId(), ConnectionTransport.ForPipe(pipe), "pipe", _exports, _options, _logger, _tls).RunAsync();

    private async Task StopCoreAsync(CancellationToken cancellationToken)
    {
        await _listener.StopAsync(cancellationToken).ConfigureAwait(false);
        if (_listener.BoundEndPoint is { } endPoint)
        {
            NbdServerLog.Stopped(_logger, endPoint);
        }
    }

    private NbdConnection Accept(Socket socket, long id) => new(
        id,
        _options.ThreadPerConnection
            ? ConnectionTransport.ForSocketOnOwnThread(socket, _options.ReceiveBufferSize)
            : ConnectionTransport.ForSocket(socket, _options.ReceiveBufferSize),
        RemoteEndPoints.Describe(socket),
        _exports,
        _options,
        _logger,
        _tls);
}
