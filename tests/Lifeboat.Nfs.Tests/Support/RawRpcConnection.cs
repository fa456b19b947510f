using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Lifeboat.OncRpc.Client;

namespace Lifeboat.Nfs.Tests.Support;

/// <summary>A bare socket: the calls go out exactly as framed here, replies are read one record at a time.</summary>
internal sealed class RawRpcConnection : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly Socket _socket;

    private RawRpcConnection(Socket socket) => _socket = socket;

    public static async Task<RawRpcConnection> ConnectAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        return new RawRpcConnection(socket);
    }

    public async Task SendAsync(ReadOnlyMemory<byte> bytes)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (!bytes.IsEmpty)
        {
            bytes = bytes[await _socket.SendAsync(bytes, SocketFlags.None, timeout.Token)..];
        }
    }

    public async Task<RpcReply> ReceiveAsync()
    {
        var header = new byte[4];
        await ReadExactlyAsync(header);
        var body = new byte[BinaryPrimitives.ReadUInt32BigEndian(header) & 0x7FFF_FFFF];
        await ReadExactlyAsync(body);
        return RpcReply.Parse(body);
    }

    /// <summary>Says "no more calls": the server answers what it read, then closes.</summary>
    public void ShutdownSend() => _socket.Shutdown(SocketShutdown.Send);

    /// <summary>
    /// Every reply record until the server closes (a reset counts as closed), each as its raw bytes; a reply record
    /// cut short or larger than <paramref name="maxReplySize"/> fails the test, as does a server that neither
    /// answers nor closes within <paramref name="patience"/>.
    /// </summary>
    public async Task<List<byte[]>> ReceiveUntilClosedAsync(TimeSpan patience, int maxReplySize = 2 * 1024 * 1024)
    {
        var replies = new List<byte[]>();
        using var timeout = new CancellationTokenSource(patience);
        var header = new byte[4];
        try
        {
            while (true)
            {
                if (!await TryReadExactlyAsync(header, timeout.Token))
                {
                    return replies;
                }

                var mark = BinaryPrimitives.ReadUInt32BigEndian(header);
                Assert.True((mark & 0x8000_0000) != 0, "the server sent a reply in more than one fragment");
                var length = (int)(mark & 0x7FFF_FFFF);
                Assert.InRange(length, 0, maxReplySize);
                var body = new byte[length];
                Assert.True(await TryReadExactlyAsync(body, timeout.Token), "the server closed the connection inside a reply");
                replies.Add(body);
            }
        }
        catch (SocketException)
        {
            return replies;
        }
    }

    public void Dispose() => _socket.Dispose();

    private async Task<bool> TryReadExactlyAsync(byte[] buffer, CancellationToken cancellationToken)
    {
        for (var read = 0; read < buffer.Length;)
        {
            var n = await _socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, cancellationToken);
            if (n == 0)
            {
                Assert.True(read == 0, "the server closed the connection inside a record");
                return false;
            }

            read += n;
        }

        return true;
    }

    private async Task ReadExactlyAsync(byte[] buffer)
    {
        using var timeout = new CancellationTokenSource(Patience);
        for (var read = 0; read < buffer.Length;)
        {
            var n = await _socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, timeout.Token);
            Assert.True(n > 0, "the server closed the connection");
            read += n;
        }
    }
}
