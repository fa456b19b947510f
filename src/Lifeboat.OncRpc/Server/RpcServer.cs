using System.Net;
using System.Net.Sockets;
using Lifeboat.OncRpc.Peers;
using Lifeboat.OncRpc.Rpc;
using Lifeboat.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lifeboat.OncRpc.Server;

/// <summary>
/// An ONC RPC server over TCP (RFC 5531 with record marking) serving several programs on one port, each
/// connection with many calls in flight. Unknown programs get PROG_UNAVAIL, versions outside a program's range
/// PROG_MISMATCH; a connection sending something that is not record-marked RPC is closed without disturbing the others.
/// </summary>
public sealed class RpcServer : IAsyncDisposable
{
    private readonly RpcServerOptions _options;
    private readonly ILogger _logger;
    private readonly RpcDispatcher _dispatcher;
    private readonly ConnectionListener _listener;
    private readonly Lock _stateLock = new();
    private Task? _stopTask;

    public RpcServer(IEnumerable<IRpcProgram> programs, RpcServerOptions? options = null, ILogger<RpcServer>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(programs);
        _options = options ?? new RpcServerOptions();
        _options.Validate();
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _dispatcher = new RpcDispatcher(programs, _logger);
        _listener = new ConnectionListener(
            "ONC RPC",
            new ListenerOptions(_options.EndPoint, _options.ListenBacklog, _options.MaxConnections),
            Accept,
            _logger);
    }

    /// <summary>The address and port the server listens on; the actual port when the options asked for port 0.</summary>
    public IPEndPoint LocalEndPoint => BoundEndPoint as IPEndPoint
        ?? throw new InvalidOperationException("The RPC server listens on a unix socket, which has no address or port; use BoundEndPoint.");

    /// <summary>What the server listens on: an <see cref="IPEndPoint"/> or a <see cref="UnixDomainSocketEndPoint"/>.</summary>
    public EndPoint BoundEndPoint => _listener.BoundEndPoint ?? throw new InvalidOperationException("The RPC server is not started; call Start first.");

    public int Port => LocalEndPoint.Port;

    public int ConnectionCount => _listener.ConnectionCount;

    public IReadOnlyCollection<IRpcProgram> Programs => _dispatcher.Programs.Values;

    /// <summary>Binds the listening socket and starts accepting. Throws <see cref="SocketException"/> when the port is taken.</summary>
    public void Start()
    {
        lock (_stateLock)
        {
            if (_stopTask is not null)
            {
                throw new InvalidOperationException("An RPC server can be started only once.");
            }

            var bound = _listener.Start();
            RpcServerLog.Listening(_logger, bound, _dispatcher.Describe());
        }
    }

    /// <summary>
    /// Stops accepting, lets every connection finish the calls it has read and send their replies, then closes them.
    /// When <paramref name="cancellationToken"/> fires first, the remaining connections are closed at once and
    /// their running calls see their cancellation token fire.
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

    /// <summary>A process-wide unique id for <see cref="RpcCall.ConnectionId"/>: one per TCP connection or UDP socket.</summary>
    internal static long NewConnectionId() => ConnectionListener.NewConnectionId();

    /// <summary>Serves one connection whose bytes come and go through <paramref name="pipe"/> (fuzzing, benchmarks), from <paramref name="peer"/>.</summary>
    internal Task ServeAsync(System.IO.Pipelines.IDuplexPipe pipe, RpcPeer peer) =>
        new RpcConnection(NewConnectionId(), ConnectionTransport.ForPipe(pipe), _dispatcher, _options, () => peer, _logger).RunAsync();

    private async Task StopCoreAsync(CancellationToken cancellationToken)
    {
        await _listener.StopAsync(cancellationToken).ConfigureAwait(false);
        if (_listener.BoundEndPoint is { } endPoint)
        {
            RpcServerLog.Stopped(_logger, endPoint);
        }
    }

    private RpcConnection Accept(Socket socket, long id) => new(
        id,
        _options.ThreadPerConnection
            ? ConnectionTransport.ForSocketOnOwnThread(socket, _options.ReceiveBufferSize)
            : ConnectionTransport.ForSocket(socket, _options.ReceiveBufferSize),
        _dispatcher,
        _options,
        () => RpcPeer.Of(socket),
        _logger);
}
