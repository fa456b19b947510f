using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Lifeboat.Nbd.Client;
using Lifeboat.Nbd.Protocol;

namespace Lifeboat.Nbd.Tests;

/// <summary>Our client against a scripted server that breaks the protocol: clear exceptions, no hang, no huge allocation.</summary>
public sealed class HostileServerTests
{
    private const long ExportSize = 1024 * 1024;

    [Theory]
    [InlineData("unknown cookie", "cookie")]
    [InlineData("bad magic", "neither the simple nor the structured reply magic")]
    [InlineData("data outside the request", "outside its request")]
    [InlineData("huge block status chunk", "exceeds what that type may hold")]
    [InlineData("closed mid reply", "closed the connection")]
    [InlineData("unknown chunk type", "does not fit")]
    public async Task A_broken_reply_fails_the_client_with_the_export_named(string breakage, string expected)
    {
        await using var server = await ScriptedServer.StartAsync(async (stream, request) =>
        {
            var reply = new List<byte>();
            switch (breakage)
            {
                case "unknown cookie":
                    reply.AddRange(Simple(NbdError.None, request.Cookie + 1000));
                    break;
                case "bad magic":
                    reply.AddRange(new byte[16]);
                    break;
                case "data outside the request":
                    reply.AddRange(Chunk(NbdReplyFlags.Done, NbdReplyType.OffsetData, request.Cookie, 8 + 8192));
                    reply.AddRange(UInt64(request.Offset));
                    break;
                case "huge block status chunk":
                    reply.AddRange(Chunk(NbdReplyFlags.Done, NbdReplyType.BlockStatus, request.Cookie, 0x7000_0000));
                    break;
                case "closed mid reply":
                    reply.AddRange(Chunk(NbdReplyFlags.Done, NbdReplyType.OffsetData, request.Cookie, 8 + request.Length));
                    reply.AddRange(UInt64(request.Offset));
                    reply.AddRange(new byte[100]);
                    await stream.WriteAsync(reply.ToArray());
                    return false;
                case "unknown chunk type":
                    reply.AddRange(Chunk(NbdReplyFlags.Done, (NbdReplyType)77, request.Cookie, 0));
                    break;
            }

            await stream.WriteAsync(reply.ToArray());
            return true;
        });

        await using var client = await NbdClient.ConnectAsync(server.EndPoint, "victim");
        var exception = await Assert.ThrowsAsync<NbdException>(() => client.ReadAsync(4096, new byte[4096]).AsTask());
        Assert.Equal("victim", exception.ExportName);
        Assert.Contains(expected, exception.Message + exception.InnerException?.Message, StringComparison.Ordinal);
        Assert.Contains("'victim'", exception.Message, StringComparison.Ordinal);

        // The connection is unusable from then on, and says so at once.
        var again = await Assert.ThrowsAsync<NbdException>(() => client.ReadAsync(0, new byte[512]).AsTask());
        Assert.Contains("Open a new client", again.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_error_chunk_fails_only_its_request_with_the_servers_message()
    {
        var first = true;
        await using var server = await ScriptedServer.StartAsync(async (stream, request) =>
        {
            if (first)
            {
                first = false;
                var message = "medium error"u8.ToArray();
                await stream.WriteAsync((byte[])[.. Chunk(NbdReplyFlags.Done, NbdReplyType.ErrorOffset, request.Cookie, (uint)(6 + message.Length + 8)),
                    .. UInt32((uint)NbdError.Io), .. UInt16((ushort)message.Length), .. message, .. UInt64(request.Offset)]);
            }
            else
            {
                await stream.WriteAsync((byte[])[.. Chunk(NbdReplyFlags.None, NbdReplyType.OffsetHole, request.Cookie, 12), .. UInt64(request.Offset), .. UInt32(request.Length),
                    .. Chunk(NbdReplyFlags.Done, NbdReplyType.None, request.Cookie, 0)]);
            }

            return true;
        });

        await using var client = await NbdClient.ConnectAsync(server.EndPoint, "e");
        var exception = await Assert.ThrowsAsync<NbdException>(() => client.ReadAsync(8192, new byte[512]).AsTask());
        Assert.Equal(NbdError.Io, exception.Error);
        Assert.Contains("medium error", exception.Message, StringComparison.Ordinal);
        Assert.Contains("offset 8192", exception.Message, StringComparison.Ordinal);

        var data = Enumerable.Repeat((byte)9, 512).ToArray();
        await client.ReadAsync(0, data);
        Assert.All(data, b => Assert.Equal(0, b));
    }

    [Fact]
    public async Task An_oversized_option_reply_fails_the_handshake()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var serve = Task.Run(async () =>
        {
            using var socket = await listener.AcceptSocketAsync();
            await using var stream = new NetworkStream(socket);
            await stream.WriteAsync((byte[])[.. UInt64(NbdMagic.InitPassword), .. UInt64(NbdMagic.Option), .. UInt16(3)]);
            await stream.ReadExactlyAsync(new byte[4 + 16]);
            await stream.WriteAsync((byte[])[.. UInt64(NbdMagic.OptionReply), .. UInt32((uint)NbdOption.StructuredReply), .. UInt32((uint)NbdOptionReplyType.Ack), .. UInt32(0x7fff_0000)]);
            await Task.Delay(2000);
        });

        var exception = await Assert.ThrowsAsync<NbdException>(() => NbdClient.ConnectAsync((IPEndPoint)listener.LocalEndpoint, "h"));
        Assert.Contains("exceeds", exception.Message, StringComparison.Ordinal);
    }

    private static byte[] Simple(NbdError error, ulong cookie)
    {
        var bytes = new byte[16];
        NbdReplyHeader.WriteSimple(bytes, error, cookie);
        return bytes;
    }

    private static byte[] Chunk(NbdReplyFlags flags, NbdReplyType type, ulong cookie, uint length)
    {
        var bytes = new byte[20];
        NbdReplyHeader.WriteStructured(bytes, flags, type, cookie, length);
        return bytes;
    }

    private static byte[] UInt64(ulong value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        return bytes;
    }

    private static byte[] UInt32(uint value) => RawNbd.UInt32(value);

    private static byte[] UInt16(ushort value) => RawNbd.UInt16(value);

    /// <summary>
    /// Agrees to everything in the handshake (structured replies, every metadata context, the export) and then
    /// answers each request through a script; the script returns false to hang up.
    /// </summary>
    private sealed class ScriptedServer : IAsyncDisposable
    {
        private readonly TcpListener _listener;
        private readonly Task _serve;

        private ScriptedServer(TcpListener listener, Func<NetworkStream, NbdRequestHeader, Task<bool>> script)
        {
            _listener = listener;
            _serve = Task.Run(() => ServeAsync(script));
        }

        public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

        public static Task<ScriptedServer> StartAsync(Func<NetworkStream, NbdRequestHeader, Task<bool>> script)
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return Task.FromResult(new ScriptedServer(listener, script));
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            try
            {
                await _serve.WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (Exception ex) when (ex is SocketException or IOException or ObjectDisposedException or TimeoutException)
            {
            }
        }

        private async Task ServeAsync(Func<NetworkStream, NbdRequestHeader, Task<bool>> script)
        {
            using var socket = await _listener.AcceptSocketAsync();
            await using var stream = new NetworkStream(socket);
            await stream.WriteAsync((byte[])[.. UInt64(NbdMagic.InitPassword), .. UInt64(NbdMagic.Option), .. UInt16(3)]);
            await stream.ReadExactlyAsync(new byte[4]);
            while (true)
            {
                var header = new byte[16];
                await stream.ReadExactlyAsync(header);
                var option = (NbdOption)BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(8));
                await stream.ReadExactlyAsync(new byte[BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(12))]);
                if (option == NbdOption.Go)
                {
                    await stream.WriteAsync((byte[])[.. OptionReply(option, NbdOptionReplyType.Info, 12), .. UInt16(0), .. UInt64(ExportSize), .. UInt16(1)]);
                    await stream.WriteAsync(OptionReply(option, NbdOptionReplyType.Ack, 0));
                    break;
                }

                await stream.WriteAsync(OptionReply(option, NbdOptionReplyType.Ack, 0));
            }

            while (true)
            {
                var request = new byte[28];
                await stream.ReadExactlyAsync(request);
                var reader = new System.Buffers.SequenceReader<byte>(new System.Buffers.ReadOnlySequence<byte>(request));
                NbdRequestHeader.TryRead(ref reader, out _, out var parsed);
                if (parsed.Command == NbdCommand.Disc || !await script(stream, parsed))
                {
                    return;
                }
            }
        }

        private static byte[] OptionReply(NbdOption option, NbdOptionReplyType type, uint length) =>
            [.. UInt64(NbdMagic.OptionReply), .. UInt32((uint)option), .. UInt32((uint)type), .. UInt32(length)];
    }
}
