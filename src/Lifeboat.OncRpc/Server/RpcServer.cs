using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Net;
using System.Net.Sockets;
using Lifeboat.OncRpc.Rpc;
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
    private static long _nextConnectionId;

    private readonly FrozenDictionary<uint, IRpcProgram> _programs;
    private readonly RpcServerOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<long, (RpcConnection Connection, Task Completion)> _connections = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _stateLock = new();
    private Socket? _listener;
    private EndPoint? _localEndPoint;
    private Task? _acceptLoop;
    private Task? _stopTask;

    public RpcServer(IEnumerable<IRpcProgram> programs, RpcServerOptions? options = null, ILogger<RpcServer>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(programs);
        _options = options ?? new RpcServerOptions();
        _options.Validate();
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _programs = RpcProgramTable.Build(programs);
    }

    /// <summary>The address and port the server listens on; the actual port when the options asked for port 0.</summary>
    public IPEndPoint LocalEndPoint => BoundEndPoint as IPEndPoint
        ?? throw new InvalidOperationException("The RPC server listens on a unix socket, which has no address or port; use BoundEndPoint.");

    /// <summary>What the server listens on: an <see cref="IPEndPoint"/> or a <see cref="UnixDomainSocketEndPoint"/>.</summary>
    public EndPoint BoundEndPoint => _localEndPoint ?? throw new InvalidOperationException("The RPC server is not started; call Start first.");

    public int Port => LocalEndPoint.Port;

    public int ConnectionCount => _connections.Count;

    public IReadOnlyCollection<IRpcProgram> Programs => _programs.Values;

    /// <summary>Binds the listening socket and starts accepting. Throws <see cref="SocketException"/> when the port is taken.</summary>
    public void Start()
    {
        lock (_stateLock)
        {
            if (_listener is not null || _stopTask is not null)
            {
                throw new InvalidOperationException("An RPC server can be started only once.");
            }

            var endPoint = _options.EndPoint;
            var listener = endPoint is UnixDomainSocketEndPoint
                ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
                : new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                if (endPoint is IPEndPoint { AddressFamily: AddressFamily.InterNetworkV6 } ip && ip.Address.Equals(IPAddress.IPv6Any))
                {
                    listener.DualMode = true;
                }

                listener.Bind(endPoint);
                listener.Listen(_options.ListenBacklog);
            }
            catch
            {
                listener.Dispose();
                throw;
            }

            _listener = listener;
            _localEndPoint = listener.LocalEndPoint is IPEndPoint bound ? bound : endPoint;
            RpcServerLog.Listening(_logger, _localEndPoint, RpcProgramTable.Describe(_programs));
            _acceptLoop = AcceptLoopAsync(listener);
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
    internal static long NewConnectionId() => Interlocked.Increment(ref _nextConnectionId);

    private async Task StopCoreAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener?.Dispose();
        if (_acceptLoop is not null)
        {
            await _acceptLoop.ConfigureAwait(false);
        }

        var connections = _connections.Values.ToArray();
        foreach (var (connection, _) in connections)
        {
            connection.BeginStop();
        }

        using (cancellationToken.Register(() =>
        {
            foreach (var (connection, _) in _connections.Values)
            {
                connection.Abort();
            }
        }))
        {
            await Task.WhenAll(connections.Select(c => c.Completion)).ConfigureAwait(false);
        }

        if (_localEndPoint is not null)
        {
            if (_localEndPoint is UnixDomainSocketEndPoint unix)
            {
                DeleteSocketFile(unix);
            }

            RpcServerLog.Stopped(_logger, _localEndPoint);
        }
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        // Leave the caller's context: the loop runs for the server's lifetime.
        await Task.Yield();
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionAborted or SocketError.ConnectionReset)
            {
                continue;
            }
            catch (SocketException ex)
            {
                // Out of file descriptors and the like: wait rather than spin, then keep serving.
                RpcServerLog.AcceptFailed(_logger, ex, _localEndPoint!);
                await Task.Delay(100).ConfigureAwait(false);
                continue;
            }

            if (_connections.Count >= _options.MaxConnections)
            {
                RpcServerLog.ConnectionLimitReached(_logger, socket.RemoteEndPoint, _options.MaxConnections);
                socket.Dispose();
                continue;
            }

            RpcConnection connection;
            try
            {
                if (socket.AddressFamily != AddressFamily.Unix)
                {
                    socket.NoDelay = true;
                }

                connection = new RpcConnection(NewConnectionId(), socket, _programs, _options, _logger);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // The peer left between accept and setup.
                socket.Dispose();
                continue;
            }

            var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _connections[connection.Id] = (connection, completion.Task);
            _ = Task.Run(() => RunConnectionAsync(connection, completion));
        }
    }

    private static void DeleteSocketFile(UnixDomainSocketEndPoint endPoint)
    {
        var path = endPoint.ToString();
        if (!string.IsNullOrEmpty(path) && path[0] != '\0' && File.Exists(path))
        {
            File.Delete(path);
        }
    }

    private async Task RunConnectionAsync(RpcConnection connection, TaskCompletionSource completion)
    {
        try
        {
            await connection.RunAsync().ConfigureAwait(false);
        }
        finally
        {
            _connections.TryRemove(connection.Id, out _);
            completion.SetResult();
        }
    }
}
