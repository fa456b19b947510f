using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Lifeboat.OncRpc.Client;

namespace Lifeboat.Testing.Rpc;

/// <summary>
/// A bare TCP connection to an RPC server: bytes go out exactly as the test framed them (see <see cref="RpcRecords"/>),
/// replies are read one record at a time, and a server that closes the connection (a reset counts) is an answer too.
/// </summary>
public sealed class RawRpcConnection : IDisposable
{
    /// <summary>The largest record the servers send (a 1 MiB READ and its header) is well below this.</summary>
    public const int DefaultMaxReplyBytes = 2 * 1024 * 1024;

    /// <summary>How long a send or a reply may take before the test fails: generous, the machine is loaded.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly Socket _socket;
    private readonly int _maxReplyBytes;

    private RawRpcConnection(Socket socket, int maxReplyBytes)
    {
        _socket = socket;
        _maxReplyBytes = maxReplyBytes;
    }

    /// <param name="maxReplyBytes">A record mark above this fails the test: the stream is not replies to these calls.</param>
    public static Task<RawRpcConnection> ConnectAsync(int port, int maxReplyBytes = DefaultMaxReplyBytes) =>
        ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), maxReplyBytes);

    public static async Task<RawRpcConnection> ConnectAsync(IPEndPoint endPoint, int maxReplyBytes = DefaultMaxReplyBytes)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var timeout = new CancellationTokenSource(Patience);
            await socket.ConnectAsync(endPoint, timeout.Token);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new RawRpcConnection(socket, maxReplyBytes);
    }

    /// <summary>Sends all of <paramref name="bytes"/>; the test fails if the server does not take them in time.</summary>
    public async Task SendAsync(ReadOnlyMemory<byte> bytes)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (!bytes.IsEmpty)
        {
            bytes = bytes[await _socket.SendAsync(bytes, SocketFlags.None, timeout.Token)..];
        }
    }

    /// <summary>Sends all of <paramref name="bytes"/> in writes of random sizes below <paramref name="maxPiece"/>, as a busy client's socket would.</summary>
    public async Task SendInPiecesAsync(ReadOnlyMemory<byte> bytes, Random random, int maxPiece)
    {
        for (var offset = 0; offset < bytes.Length;)
        {
            var length = Math.Min(bytes.Length - offset, random.Next(1, maxPiece));
            await SendAsync(bytes.Slice(offset, length));
            offset += length;
        }
    }

    /// <summary>Sends <paramref name="message"/> as one record, cut into fragments of <paramref name="fragmentLengths"/> if given.</summary>
    public Task SendRecordAsync(byte[] message, IReadOnlyList<int>? fragmentLengths = null) =>
        SendAsync(fragmentLengths is null ? RpcRecords.Record(message) : RpcRecords.FrameAt(message, fragmentLengths));

    /// <summary>Sends all of <paramref name="bytes"/>; false when the server has closed the connection.</summary>
    /// <exception cref="TimeoutException"><paramref name="cancellationToken"/> fired: the server stopped reading but kept the connection open.</exception>
    public async Task<bool> TrySendAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default)
    {
        try
        {
            while (!bytes.IsEmpty)
            {
                bytes = bytes[await _socket.SendAsync(bytes, SocketFlags.None, cancellationToken)..];
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

    /// <summary>Tells the server nothing more will come (TCP half-close): it answers what it read, then closes.</summary>
    public void EndSending() => _socket.Shutdown(SocketShutdown.Send);

    /// <summary>The next reply, or null when the server closed the connection instead.</summary>
    public async Task<RpcReply?> ReceiveReplyAsync()
    {
        using var timeout = new CancellationTokenSource(Patience);
        return await ReceiveRecordAsync(timeout.Token) is { } record ? RpcReply.Parse(record) : null;
    }

    /// <summary>
    /// Every reply record until the server closes, each as its raw bytes; the test fails if the server neither
    /// answers nor closes within <paramref name="patience"/>.
    /// </summary>
    public async Task<List<byte[]>> ReceiveUntilClosedAsync(TimeSpan patience)
    {
        var replies = new List<byte[]>();
        using var timeout = new CancellationTokenSource(patience);
        try
        {
            while (await ReceiveRecordAsync(timeout.Token) is { } record)
            {
                replies.Add(record);
            }
        }
        catch (SocketException)
        {
            // A reset may discard the end of what the server wrote before it closed: a closed connection all the same.
        }

        return replies;
    }

    /// <summary>Reads and drops whatever comes until the server closes the connection; false if it stays open past <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitUntilClosedAsync(TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? Patience);
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

    /// <summary>One whole single-fragment record, or null when the server closed the connection before its mark.</summary>
    private async Task<byte[]?> ReceiveRecordAsync(CancellationToken cancellationToken)
    {
        var header = new byte[4];
        try
        {
            if (!await TryReceiveExactlyAsync(header, cancellationToken))
            {
                return null;
            }
        }
        catch (SocketException)
        {
            return null;
        }

        var mark = BinaryPrimitives.ReadUInt32BigEndian(header);
        Assert.True((mark & RpcRecords.LastFragment) != 0, "the server sent a reply in more than one fragment");
        var length = (int)(mark & RpcRecords.LengthMask);
        Assert.True(length <= _maxReplyBytes, $"the server sent a record mark of {length} bytes, larger than any reply to these calls");
        var body = new byte[length];
        Assert.True(await TryReceiveExactlyAsync(body, cancellationToken), $"the server closed the connection in the middle of a {length}-byte reply");
        return body;
    }

    /// <summary>False when the server closed the connection before sending any of it; closing part way fails the test, a reset throws.</summary>
    private async Task<bool> TryReceiveExactlyAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var wanted = buffer.Length;
        try
        {
            while (!buffer.IsEmpty)
            {
                var received = await _socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
                if (received == 0)
                {
                    Assert.True(buffer.Length == wanted, "the server closed the connection inside a record");
                    return false;
                }

                buffer = buffer[received..];
            }

            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException("The server neither replied nor closed the connection in time.");
        }
    }
}
