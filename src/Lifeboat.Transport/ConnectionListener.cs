using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Transport;

/// <summary>
/// A listening socket (TCP, dual-mode on [::], or a unix socket) and the connections it accepted: the accept
/// loop, the registry, a graceful stop that lets every connection finish what it read and then aborts what is
/// left when the caller's token fires, and the one catch-all of a connection's task, which logs and closes.
/// </summary>
public sealed class ConnectionListener
{
    private static long _nextConnectionId;

    private readonly string _protocol;
    private readonly ListenerOptions _options;
    private readonly Func<Socket, long, IServedConnection> _accept;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<long, (IServedConnection Connection, Task Completion)> _connections = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _stateLock = new();
    private Socket? _listener;
    private Task? _acceptLoop;
    private Task? _stopTask;

    /// <param name="protocol">The protocol's name in log lines ("ONC RPC", "NBD").</param>
    /// <param name="accept">Makes the connection of an accepted socket (it owns the socket from then on).</param>
    public ConnectionListener(string protocol, ListenerOptions options, Func<Socket, long, IServedConnection> accept, ILogger logger)
    {
        _protocol = protocol;
        _options = options;
        _accept = accept;
        _logger = logger;
    }

    /// <summary>What the listener is bound to: the actual port when port 0 was asked for; null before Start.</summary>
    public EndPoint? BoundEndPoint { get; private set; }

    public bool IsStarted => _listener is not null;

    public int ConnectionCount => _connections.Count;

    /// <summary>A process-wide unique id: one per accepted connection, datagram socket or in-memory connection.</summary>
    public static long NewConnectionId() => Interlocked.Increment(ref _nextConnectionId);

    /// <summary>Binds and starts accepting. Throws <see cref="SocketException"/> when the address is taken.</summary>
    public EndPoint Start()
    {
        lock (_stateLock)
        {
            if (_listener is not null || _stopTask is not null)
            {
                throw new InvalidOperationException($"A {_protocol} server can be started only once.");
            }

            var endPoint = _options.EndPoint;
            Socket listener;
            if (endPoint is UnixDomainSocketEndPoint unix)
            {
                if (_options.ReplaceSocketFile)
                {
                    // A socket file left by a process that died would make the bind fail.
                    DeleteSocketFile(unix);
                }

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
            BoundEndPoint = endPoint is UnixDomainSocketEndPoint ? endPoint : listener.LocalEndPoint!;
            _acceptLoop = AcceptLoopAsync(listener);
            return BoundEndPoint;
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

        if (BoundEndPoint is UnixDomainSocketEndPoint unix)
        {
            DeleteSocketFile(unix);
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
                TransportLog.AcceptFailed(_logger, ex, _protocol, BoundEndPoint!);
                await Task.Delay(100).ConfigureAwait(false);
                continue;
            }

            Admit(socket);
        }
    }

    private void Admit(Socket socket)
    {
        IServedConnection connection;
        try
        {
            if (_connections.Count >= _options.MaxConnections)
            {
                TransportLog.ConnectionLimitReached(_logger, _protocol, RemoteEndPoints.Describe(socket), _options.MaxConnections);
                socket.Dispose();
                return;
            }

            if (socket.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
            {
                socket.NoDelay = true;
            }

            connection = _accept(socket, NewConnectionId());
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

    private async Task RunConnectionAsync(IServedConnection connection, TaskCompletionSource completion)
    {
        try
        {
            await connection.RunAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            TransportLog.ConnectionFailed(_logger, ex, _protocol, connection.Id, connection.Remote);
            connection.Abort();
        }
        finally
        {
            _connections.TryRemove(connection.Id, out _);
            completion.SetResult();
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
}
