using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Lifeboat.EndToEnd.Tests;

/// <summary>A plain TCP connection to an RPC server that sends whatever bytes it is given and reads raw replies.</summary>
internal sealed class RawRpcConnection : IDisposable
{
    /// <summary>A reply to one of these small calls is far below this; a larger mark means the stream is not replies.</summary>
    private const int MaxReplyBytes = 64 * 1024;

    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(15);

    private readonly Socket _socket;

    private RawRpcConnection(Socket socket)
    {
        _socket = socket;
    }

    public static async Task<RawRpcConnection> ConnectAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new RawRpcConnection(socket);
    }

    /// <summary>Sends all of <paramref name="bytes"/>; false when the server has closed the connection.</summary>
    /// <exception cref="TimeoutException"><paramref name="cancellationToken"/> fired: the server stopped reading but kept the connection open.</exception>
    public async Task<bool> TrySendAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default)
    {
        try
        {
            while (!bytes.IsEmpty)
            {
                var sent = await _socket.SendAsync(bytes, SocketFlags.None, cancellationToken);
                bytes = bytes[sent..];
            }

            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException("The server stopped reading this connection but kept it open.");
        }
    }

    /// <summary>Tells the server nothing more will come (TCP half-close), as a client that dies mid-record would.</summary>
    public void EndSending() => _socket.Shutdown(SocketShutdown.Send);

    /// <summary>The next reply's outcome, or <see cref="RpcReplyOutcome.Closed"/> when the server closed the connection instead.</summary>
    /// <exception cref="TimeoutException">Neither came in time: the server neither answers nor drops the connection.</exception>
    public async Task<(RpcReplyOutcome Outcome, uint Xid)> ReadReplyAsync()
    {
        using var deadline = new CancellationTokenSource(ReplyTimeout);
        var mark = new byte[4];
        if (!await TryReceiveExactlyAsync(mark, deadline.Token))
        {
            return (RpcReplyOutcome.Closed, 0);
        }

        var length = (int)(BinaryPrimitives.ReadUInt32BigEndian(mark) & ~RpcWire.LastFragment);
        if (length > MaxReplyBytes)
        {
            throw new InvalidDataException($"The server sent a record mark of {length} bytes, larger than any reply to these calls.");
        }

        var reply = new byte[length];
        if (!await TryReceiveExactlyAsync(reply, deadline.Token))
        {
            throw new InvalidDataException($"The server closed the connection in the middle of a {length}-byte reply.");
        }

        var outcome = RpcWire.ParseReply(reply, out var xid);
        return (outcome, xid);
    }

    /// <summary>Reads and drops whatever comes until the server closes the connection; false if it stays open past <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitUntilClosedAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        var sink = new byte[4096];
        try
        {
            while (await _socket.ReceiveAsync(sink, SocketFlags.None, deadline.Token) > 0)
            {
            }

            return true;
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void Dispose() => _socket.Dispose();

    private async Task<bool> TryReceiveExactlyAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        try
        {
            while (!buffer.IsEmpty)
            {
                var received = await _socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
                if (received == 0)
                {
                    return false;
                }

                buffer = buffer[received..];
            }

            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The server neither replied nor closed the connection within {ReplyTimeout.TotalSeconds:0} s.");
        }
    }
}
