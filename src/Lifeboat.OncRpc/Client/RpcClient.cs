using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Lifeboat.OncRpc.RecordMarking;
using Lifeboat.OncRpc.Rpc;
using Lifeboat.OncRpc.Transport;
using Lifeboat.OncRpc.Xdr;
using Lifeboat.Transport;

namespace Lifeboat.OncRpc.Client;

/// <summary>
/// An ONC RPC client over one TCP connection: calls are pipelined, each matched to its reply by XID, so any
/// number can be in flight and replies may come back in any order.
/// </summary>
public sealed class RpcClient : IAsyncDisposable
{
    private const int ReservedPortLow = 600;
    private const int ReservedPortHigh = 1023;

    /// <summary>Reserved ports tried in turn when the one bound cannot reach the server (its last connection there in TIME_WAIT).</summary>
    private const int MaxReservedPortAttempts = 32;

    private readonly Socket _socket;
    private readonly RpcClientOptions _options;
    private readonly GatheredSender<RecordBuffer> _sender;
    private readonly ConcurrentDictionary<uint, TaskCompletionSource<RpcReply>> _pending = new();
    private readonly Task _receiveLoop;
    private volatile Exception? _failure;
    private uint _nextXid;
    private int _disposed;

    private RpcClient(Socket socket, RpcClientOptions options)
    {
        _socket = socket;
        _options = options;
        _nextXid = (uint)RandomNumberGenerator.GetInt32(int.MaxValue);
        _sender = new GatheredSender<RecordBuffer>(new SocketOutput(socket), static _ => { }, _ => Shutdown());
        _receiveLoop = Task.Run(ReceiveLoopAsync);
    }

    public EndPoint RemoteEndPoint => _socket.RemoteEndPoint!;

    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    /// <summary>
    /// Connects over TCP to an <see cref="IPEndPoint"/>, or to a <see cref="UnixDomainSocketEndPoint"/> (record marking
    /// as over TCP; the server knows the caller by its credentials there).
    /// </summary>
    public static async Task<RpcClient> ConnectAsync(EndPoint endPoint, RpcClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        options ??= new RpcClientOptions();
        var tcp = endPoint is not UnixDomainSocketEndPoint;
        for (var attempt = 1; ; attempt++)
        {
            var socket = tcp
                ? new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true }
                : new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            var reserved = false;
            try
            {
                if (tcp && options.UseReservedPort)
                {
                    reserved = BindReservedPort(socket, endPoint.AddressFamily);
                }
                else if (tcp && options.LocalEndPoint is not null)
                {
                    socket.Bind(options.LocalEndPoint);
                }

                await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
                return new RpcClient(socket, options);
            }
            catch (SocketException ex) when (reserved && attempt < MaxReservedPortAttempts
                && ex.SocketErrorCode is SocketError.AddressNotAvailable or SocketError.AddressAlreadyInUse)
            {
                // A reserved port whose last connection to this server is still in TIME_WAIT binds but cannot connect
                // (EADDRNOTAVAIL); another port can. A client connecting again and again met it in about 1 of 3 runs.
                socket.Dispose();
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
    }

    /// <summary>Calls a procedure with XDR-encoded arguments and returns the reply, whatever its status.</summary>
    public async Task<RpcReply> CallAsync(uint program, uint version, uint procedure, ReadOnlyMemory<byte> arguments = default, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (_failure is not null)
        {
            throw new IOException("The RPC connection has failed; open a new client.", _failure);
        }

        var xid = Interlocked.Increment(ref _nextXid);
        var record = new RecordBuffer(sizeHint: 128 + arguments.Length);
        var writer = new XdrWriter(record);
        RpcMessageEncoder.WriteCallHeader(writer, xid, program, version, procedure, _options.Credentials);
        writer.WriteFixedOpaque(arguments.Span);
        record.Seal();

        var completion = new TaskCompletionSource<RpcReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[xid] = completion;
        if (_failure is not null && _pending.TryRemove(xid, out _))
        {
            // The receive loop ended after the check above and will not fail this call for us.
            record.Dispose();
            throw new IOException("The RPC connection has failed; open a new client.", _failure);
        }

        using var registration = cancellationToken.Register(
            static state =>
            {
                var (client, xid, token) = ((RpcClient, uint, CancellationToken))state!;
                if (client._pending.TryRemove(xid, out var pending))
                {
                    pending.TrySetCanceled(token);
                }
            },
            (this, xid, cancellationToken));

        // A failed send shuts the socket down, and the receive loop then fails every pending call.
        _sender.Post(record);
        return await completion.Task.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Shutdown();
        _socket.Dispose();
        await _receiveLoop.ConfigureAwait(false);
    }

    private void Shutdown()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var framing = new RecordMarkingReader(_options.MaxReplySize);
        Exception failure = new IOException("The RPC server closed the connection.");
        PipeReader? reader = null;
        try
        {
            // Inside the try: a client disposed before this loop ran has no connected socket to read from.
            reader = PipeReader.Create(new NetworkStream(_socket, ownsSocket: false), new StreamPipeReaderOptions(bufferSize: 64 * 1024));
            while (true)
            {
                var result = await reader.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                RecordMarkingStatus status;
                while ((status = framing.TryReadRecord(ref buffer, out var record)) == RecordMarkingStatus.Complete)
                {
                    var reply = RpcReply.Parse(record.ToArray());
                    if (_pending.TryRemove(reply.Xid, out var completion))
                    {
                        completion.TrySetResult(reply);
                    }
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
                if (status == RecordMarkingStatus.TooLarge)
                {
                    failure = new IOException($"The RPC server sent a reply larger than {_options.MaxReplySize} bytes.");
                    break;
                }

                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or XdrException)
        {
            failure = ex is XdrException ? new IOException("The RPC server sent a malformed reply.", ex) : ex;
        }
        finally
        {
            if (reader is not null)
            {
                await reader.CompleteAsync().ConfigureAwait(false);
            }
        }

        _failure = failure;
        foreach (var xid in _pending.Keys)
        {
            if (_pending.TryRemove(xid, out var completion))
            {
                completion.TrySetException(failure is IOException ? failure : new IOException("The RPC connection failed.", failure));
            }
        }
    }

    /// <summary>Binds a random free reserved port; false when none could be had (not root: the kernel picks one at connect).</summary>
    private static bool BindReservedPort(Socket socket, AddressFamily family)
    {
        var any = family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any;
        var start = RandomNumberGenerator.GetInt32(ReservedPortLow, ReservedPortHigh + 1);
        for (var i = 0; i <= ReservedPortHigh - ReservedPortLow; i++)
        {
            var port = ReservedPortLow + ((start - ReservedPortLow + i) % (ReservedPortHigh - ReservedPortLow + 1));
            try
            {
                socket.Bind(new IPEndPoint(any, port));
                return true;
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AccessDenied)
            {
                return false;
            }
        }

        return false;
    }
}
