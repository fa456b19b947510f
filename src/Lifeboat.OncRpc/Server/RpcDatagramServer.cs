using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Lifeboat.OncRpc.Peers;
using Lifeboat.OncRpc.Rpc;
using Lifeboat.OncRpc.Transport;
using Lifeboat.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lifeboat.OncRpc.Server;

/// <summary>
/// An ONC RPC server over UDP (RFC 5531: one call per datagram, no record marking), as portmap clients such as
/// <c>rpcinfo -p</c> expect. One loop receives each datagram, refuses what <see cref="RpcServer"/> refuses (RPC_MISMATCH,
/// AUTH_ERROR, PROG_UNAVAIL, PROG_MISMATCH), dispatches the rest and sends the reply to the sender; a call whose
/// program goes asynchronous replies when done while the loop goes on. A datagram too large or not an RPC call is
/// dropped, and nothing a peer sends stops the loop. There is no duplicate request cache: a retransmitted call runs
/// again, which suits idempotent procedures such as portmap's lookups.
/// </summary>
public sealed class RpcDatagramServer : IAsyncDisposable
{
    private readonly RpcDatagramServerOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _callSlots;
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _aborted = new();
    private readonly Lock _stateLock = new();

    // Programs tell callers apart by connection; every datagram of this socket shares one id.
    private readonly long _id = RpcServer.NewConnectionId();
    private readonly RpcDispatcher _dispatcher;
    private Socket? _socket;
    private IPEndPoint? _localEndPoint;
    private Task? _receiveLoop;
    private Task? _stopTask;
    private long _calls;

    public RpcDatagramServer(IEnumerable<IRpcProgram> programs, RpcDatagramServerOptions? options = null, ILogger<RpcDatagramServer>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(programs);
        _options = options ?? new RpcDatagramServerOptions();
        _options.Validate();
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _dispatcher = new RpcDispatcher(programs, _logger);
        _callSlots = new SemaphoreSlim(_options.MaxCallsInFlight, _options.MaxCallsInFlight);
    }

    /// <summary>The address and port the server receives on; the actual port when the options asked for port 0.</summary>
    public IPEndPoint LocalEndPoint => _localEndPoint ?? throw new InvalidOperationException("The UDP RPC server is not started; call Start first.");

    public int Port => LocalEndPoint.Port;

    public IReadOnlyCollection<IRpcProgram> Programs => _dispatcher.Programs.Values;

    /// <summary>Calls received and dispatched to a program so far.</summary>
    public long CallCount => Interlocked.Read(ref _calls);

    /// <summary>Binds the socket and starts receiving. Throws <see cref="SocketException"/> when the port is taken.</summary>
    public void Start()
    {
        lock (_stateLock)
        {
            if (_socket is not null || _stopTask is not null)
            {
                throw new InvalidOperationException("A UDP RPC server can be started only once.");
            }

            var endPoint = _options.EndPoint;
            var socket = new Socket(endPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                if (endPoint.AddressFamily == AddressFamily.InterNetworkV6 && endPoint.Address.Equals(IPAddress.IPv6Any))
                {
                    socket.DualMode = true;
                }

                socket.Bind(endPoint);
            }
            catch
            {
                socket.Dispose();
                throw;
            }

            _socket = socket;
            _localEndPoint = (IPEndPoint)socket.LocalEndPoint!;
            RpcDatagramServerLog.Listening(_logger, _localEndPoint, _dispatcher.Describe());
            _receiveLoop = ReceiveLoopAsync(socket);
        }
    }

    /// <summary>
    /// Stops receiving, lets the calls in flight finish and send their replies, then closes the socket. When
    /// <paramref name="cancellationToken"/> fires first, the running calls see their cancellation token fire.
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
        if (_receiveLoop is not null)
        {
            await _receiveLoop.ConfigureAwait(false);
        }

        using (cancellationToken.Register(_aborted.Cancel))
        {
            // Every slot back means every dispatched call has finished and its reply was sent or dropped.
            for (var i = 0; i < _options.MaxCallsInFlight; i++)
            {
                await _callSlots.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }

        _socket?.Dispose();
        if (_localEndPoint is not null)
        {
            RpcDatagramServerLog.Stopped(_logger, _localEndPoint, CallCount);
        }
    }

    private async Task ReceiveLoopAsync(Socket socket)
    {
        // Leave the caller's context: the loop runs for the server's lifetime.
        await Task.Yield();

        // One byte more than the largest call: a datagram that fills the buffer was larger, and the kernel cut it.
        var size = _options.MaxDatagramSize + 1;
        var buffer = ArrayPool<byte>.Shared.Rent(size);
        EndPoint anySender = socket.AddressFamily == AddressFamily.InterNetworkV6 ? new IPEndPoint(IPAddress.IPv6Any, 0) : new IPEndPoint(IPAddress.Any, 0);
        try
        {
            while (!_stopping.IsCancellationRequested)
            {
                SocketReceiveFromResult received;
                try
                {
                    received = await socket.ReceiveFromAsync(buffer.AsMemory(0, size), SocketFlags.None, anySender, _stopping.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
                {
                    return;
                }
                catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionRefused)
                {
                    // An ICMP error about an earlier reply to a client that has gone: nothing to do.
                    continue;
                }
                catch (SocketException ex)
                {
                    RpcDatagramServerLog.ReceiveFailed(_logger, ex, _localEndPoint!);
                    await Task.Delay(100).ConfigureAwait(false);
                    continue;
                }

                var remote = RemoteEndPoints.Unmap((IPEndPoint)received.RemoteEndPoint);
                if (received.ReceivedBytes > _options.MaxDatagramSize)
                {
                    RpcDatagramServerLog.DatagramTooLarge(_logger, remote, _options.MaxDatagramSize);
                    continue;
                }

                try
                {
                    await ProcessAsync(socket, buffer.AsMemory(0, received.ReceivedBytes), remote).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    RpcDatagramServerLog.ProcessingFailed(_logger, ex, remote);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Copies the call out of the receive buffer and answers a refused call at once, or dispatches it.</summary>
    private async ValueTask ProcessAsync(Socket socket, ReadOnlyMemory<byte> datagram, IPEndPoint remote)
    {
        var peer = RpcPeer.Datagram(remote);
        var message = ArrayPool<byte>.Shared.Rent(Math.Max(datagram.Length, 1));
        datagram.CopyTo(message);
        if (!_dispatcher.TryAdmit(message, datagram.Length, peer, _id, out var call, out var refusal))
        {
            if (refusal is null)
            {
                RpcDatagramServerLog.MalformedCall(_logger, datagram.Length, remote);
                return;
            }

            await SendAsync(socket, refusal, remote).ConfigureAwait(false);
            return;
        }

        try
        {
            await _callSlots.WaitAsync(_stopping.Token).ConfigureAwait(false);
        }
        catch
        {
            call.Reply.Dispose();
            ArrayPool<byte>.Shared.Return(call.Message);
            throw;
        }

        Interlocked.Increment(ref _calls);
        var run = _dispatcher.RunAsync(call, _aborted.Token);

        // Read before FinishAsync consumes the ValueTask: a call done already replies before the next datagram is read.
        var completedInline = run.IsCompleted;
        var finished = FinishAsync(socket, call, run);
        if (completedInline)
        {
            await finished.ConfigureAwait(false);
        }
    }

    /// <summary>Waits for the reply, sends it and frees the call's slot.</summary>
    private async Task FinishAsync(Socket socket, PendingCall call, ValueTask<RecordBuffer> run)
    {
        try
        {
            await SendAsync(socket, await run.ConfigureAwait(false), call.Call.Peer.EndPoint!).ConfigureAwait(false);
        }
        finally
        {
            _callSlots.Release();
        }
    }

    /// <summary>Sends a sealed reply as one datagram, without its record mark, and disposes it; failures are logged, never thrown.</summary>
    private async ValueTask SendAsync(Socket socket, RecordBuffer reply, IPEndPoint remote)
    {
        using (reply)
        {
            var datagram = reply.Message;
            var xid = BinaryPrimitives.ReadUInt32BigEndian(datagram);
            if (datagram.Count > _options.MaxDatagramSize)
            {
                RpcDatagramServerLog.ReplyTooLarge(_logger, xid, remote, datagram.Count, _options.MaxDatagramSize);
                return;
            }

            try
            {
                await socket.SendToAsync(datagram.AsMemory(), SocketFlags.None, remote).ConfigureAwait(false);
            }
            catch (SocketException ex)
            {
                RpcDatagramServerLog.SendFailed(_logger, ex, xid, remote);
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }
}
