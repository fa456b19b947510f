using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Lifeboat.OncRpc.Client;

namespace Lifeboat.OncRpc.Tests;

/// <summary>A bare TCP connection for sending arbitrary bytes and reading replies or the server closing.</summary>
internal sealed class RawConnection : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly Socket _socket;

    private RawConnection(Socket socket) => _socket = socket;

    public static async Task<RawConnection> ConnectAsync(IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endPoint);
        return new RawConnection(socket);
    }

    public async Task SendAsync(byte[] bytes)
    {
        using var cts = new CancellationTokenSource(Timeout);
        await _socket.SendAsync(bytes, SocketFlags.None, cts.Token);
    }

    /// <summary>Reads one single-fragment reply, or returns null when the server closed the connection.</summary>
    public async Task<RpcReply?> ReceiveReplyAsync()
    {
        var header = new byte[4];
        if (!await ReadExactlyAsync(header))
        {
            return null;
        }

        var length = (int)(BinaryPrimitives.ReadUInt32BigEndian(header) & 0x7FFF_FFFF);
        var body = new byte[length];
        Assert.True(await ReadExactlyAsync(body), "the server closed the connection in the middle of a reply");
        return RpcReply.Parse(body);
    }

    /// <summary>True once the server has closed the connection (reset counts as closed).</summary>
    public async Task<bool> IsClosedByServerAsync()
    {
        var buffer = new byte[4096];
        using var cts = new CancellationTokenSource(Timeout);
        try
        {
            while (true)
            {
                if (await _socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token) == 0)
                {
                    return true;
                }
            }
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

    private async Task<bool> ReadExactlyAsync(byte[] buffer)
    {
        using var cts = new CancellationTokenSource(Timeout);
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await _socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, cts.Token);
            if (n == 0)
            {
                return false;
            }

            read += n;
        }

        return true;
    }
}
