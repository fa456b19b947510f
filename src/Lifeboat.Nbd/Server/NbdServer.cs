using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
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
    private static long _nextConnectionId;

    private readonly INbdExportProvider _exports;
    private readonly NbdServerOptions _options;
    private readonly NbdTlsAuthenticator? _tls;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<long, (NbdConnection Connection, Task Completion)> _connections = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _stateLock = new();
    private Socket? _listener;
    private EndPoint? _localEndPoint;
    private Task? _acceptLoop;
    private Task? _stopTask;

    public NbdServer(INbdExportProvider exports, NbdServerOptions? options = null, ILogger<NbdServer>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(exports);
        _exports = exports;
        _options = options ?? new NbdServerOptions();
        _options.Validate();
        _tls = _options.Tls is null ? null : new NbdTlsAuthenticator(_options.Tls);
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>The address the server listens on: the actual port when the options asked for port 0.</summary>
    public EndPoint LocalEndPoint => _localEndPoint ?? throw new InvalidOperationException("The NBD server is not started; call Start first.");

    /// <summary>The TCP port, or 0 on a unix socket.</summary>
    public int Port => LocalEndPoint is IPEndPoint ip ? ip.Port : 0;

    public int ConnectionCount => _connections.Count;

    /// <summary>Binds and starts accepting. Throws <see cref="SocketException"/> when the address is taken.</summary>
    public void Start()
    {
        lock (_stateLock)
        {
            if (_listener is not null || _stopTask is not null)
            {
                throw new InvalidOperationException("An NBD server can be started only once.");
            }

            var endPoint = _options.EndPoint;
            Socket listener;
            if (endPoint is UnixDomainSocketEndPoint unix)
            {
                // A socket file left by a process that died would make the bind fail.
                DeleteSocketFile(unix);
                listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            }
            else
            {
                listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            }

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
            _localEndPoint = endPoint is UnixDomainSocketEndPoint ? endPoint : listener.LocalEndPoint!;
            NbdServerLog.Listening(_logger, _localEndPoint);
            _acceptLoop = AcceptLoopAsync(listener);
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

            NbdServerLog.Stopped(_logger, _localEndPoint);
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
                NbdServerLog.AcceptFailed(_logger, ex, _localEndPoint!);
                await Task.Delay(100).ConfigureAwait(false);
                continue;
            }

            Admit(socket);
        }
    }

    private void Admit(Socket socket)
    {
        NbdConnection connection;
        try
        {
            var remote = socket.RemoteEndPoint is IPEndPoint ip ? Unmap(ip) : null;
            var remoteText = remote?.ToString() ?? "unix socket";

            if (_connections.Count >= _options.MaxConnections)
            {
                NbdServerLog.ConnectionLimitReached(_logger, remoteText, _options.MaxConnections);
                socket.Dispose();
                return;
            }

            if (socket.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
            {
                socket.NoDelay = true;
            }

            connection = new NbdConnection(Interlocked.Increment(ref _nextConnectionId), socket, remoteText, _exports, _options, _logger, _tls);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // The peer left between accept and setup.
            socket.Dispose();
            return;
        }

        var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _connections[connection.Id] = (connection, completion.Task);
        _ = Task.Run(() => RunConnectionAsync(connection, completion));
    }

    private async Task RunConnectionAsync(NbdConnection connection, TaskCompletionSource completion)
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

    private static IPEndPoint Unmap(IPEndPoint endPoint) =>
        endPoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port) : endPoint;

    private static void DeleteSocketFile(UnixDomainSocketEndPoint endPoint)
    {
        var path = endPoint.ToString();
        if (!string.IsNullOrEmpty(path) && path[0] != '\0' && File.Exists(path))
        {
            File.Delete(path);
        }
    }
}
