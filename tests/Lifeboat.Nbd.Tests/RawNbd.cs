using System.Buffers.Binary;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Lifeboat.Nbd.Protocol;

namespace Lifeboat.Nbd.Tests;

/// <summary>A hand-driven client connection, to send what no well-behaved client would.</summary>
internal sealed class RawNbd : IAsyncDisposable
{
    private Stream _stream;

    private RawNbd(Stream stream)
    {
        _stream = stream;
    }

    /// <summary>A client over a connection in memory (<see cref="MemoryConnection.Client"/>).</summary>
    public static RawNbd Over(Stream stream) => new(stream);

    public static async Task<RawNbd> ConnectAsync(IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endPoint);
        return new RawNbd(new NetworkStream(socket, ownsSocket: true));
    }

    /// <summary>Reads the greeting and answers with fixed newstyle and no zeroes.</summary>
    public async Task GreetAsync(NbdClientFlags flags = NbdClientFlags.FixedNewstyle | NbdClientFlags.NoZeroes)
    {
        var greeting = await ReadAsync(18);
        Assert.Equal(NbdMagic.InitPassword, BinaryPrimitives.ReadUInt64BigEndian(greeting));
        Assert.Equal(NbdMagic.Option, BinaryPrimitives.ReadUInt64BigEndian(greeting.AsSpan(8)));
        await SendAsync(UInt32((uint)flags));
    }

    public Task SendOptionAsync(NbdOption option, byte[] data) => SendOptionAsync((uint)option, data, (uint)data.Length);

    public async Task SendOptionAsync(uint option, byte[] data, uint declaredLength)
    {
        var header = new byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(header, NbdMagic.Option);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(8), option);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(12), declaredLength);
        await SendAsync([.. header, .. data]);
    }

    public async Task<(uint Option, NbdOptionReplyType Type, byte[] Data)> ReadOptionReplyAsync()
    {
        var header = await ReadAsync(20);
        Assert.Equal(NbdMagic.OptionReply, BinaryPrimitives.ReadUInt64BigEndian(header));
        var length = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(16));
        Assert.InRange(length, 0u, 65536u);
        return (BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(8)), (NbdOptionReplyType)BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(12)), await ReadAsync((int)length));
    }

    /// <summary>Greets, then NBD_OPT_GO for the export (with structured replies first when asked), expecting success.</summary>
    public async Task EnterTransmissionAsync(string export, bool structured = false)
    {
        await GreetAsync();
        if (structured)
        {
            await SendOptionAsync(NbdOption.StructuredReply, []);
            Assert.Equal(NbdOptionReplyType.Ack, (await ReadOptionReplyAsync()).Type);
        }

        await SendOptionAsync(NbdOption.Go, GoData(export));
        while (true)
        {
            var reply = await ReadOptionReplyAsync();
            if (reply.Type == NbdOptionReplyType.Ack)
            {
                return;
            }

            Assert.Equal(NbdOptionReplyType.Info, reply.Type);
        }
    }

    public Task SendRequestAsync(NbdCommand command, ulong cookie, ulong offset, uint length, NbdCommandFlags flags = NbdCommandFlags.None, uint magic = NbdMagic.Request)
    {
        var header = new byte[28];
        new NbdRequestHeader(flags, command, cookie, offset, length).Write(header);
        BinaryPrimitives.WriteUInt32BigEndian(header, magic);
        return SendAsync(header);
    }

    /// <summary>A simple reply: error and cookie.</summary>
    public async Task<(NbdError Error, ulong Cookie)> ReadSimpleReplyAsync()
    {
        var reply = await ReadAsync(16);
        Assert.Equal(NbdMagic.SimpleReply, BinaryPrimitives.ReadUInt32BigEndian(reply));
        return ((NbdError)BinaryPrimitives.ReadUInt32BigEndian(reply.AsSpan(4)), BinaryPrimitives.ReadUInt64BigEndian(reply.AsSpan(8)));
    }

    /// <summary>After the server's ACK to NBD_OPT_STARTTLS: TLS with the server, trusting only <paramref name="ca"/>.</summary>
    public async Task StartTlsAsync(X509Certificate2 ca, X509Certificate2? clientCertificate = null)
    {
        var tls = new SslStream(_stream, leaveInnerStreamOpen: false);
        var trust = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        trust.CustomTrustStore.Add(ca);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "127.0.0.1",
            CertificateChainPolicy = trust,
            ClientCertificates = clientCertificate is null ? null : [clientCertificate],
        });
        _stream = tls;
    }

    public async Task SendAsync(byte[] data) => await _stream.WriteAsync(data);

    public async Task<byte[]> ReadAsync(int count)
    {
        var buffer = new byte[count];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _stream.ReadExactlyAsync(buffer, timeout.Token);
        return buffer;
    }

    /// <summary>True when the server closes the connection (reads end) within the timeout.</summary>
    public async Task<bool> IsClosedByServerAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[4096];
        try
        {
            while (await _stream.ReadAsync(buffer, timeout.Token) > 0)
            {
            }

            return true;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public static byte[] GoData(string export, params NbdInfoType[] requests)
    {
        var name = Encoding.UTF8.GetBytes(export);
        var data = new List<byte>();
        data.AddRange(UInt32((uint)name.Length));
        data.AddRange(name);
        data.AddRange(UInt16((ushort)requests.Length));
        foreach (var request in requests)
        {
            data.AddRange(UInt16((ushort)request));
        }

        return [.. data];
    }

    public static byte[] MetaContextData(string export, params string[] queries)
    {
        var data = new List<byte>();
        var name = Encoding.UTF8.GetBytes(export);
        data.AddRange(UInt32((uint)name.Length));
        data.AddRange(name);
        data.AddRange(UInt32((uint)queries.Length));
        foreach (var query in queries)
        {
            var bytes = Encoding.UTF8.GetBytes(query);
            data.AddRange(UInt32((uint)bytes.Length));
            data.AddRange(bytes);
        }

        return [.. data];
    }

    public static byte[] UInt32(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }

    public static byte[] UInt16(ushort value)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, value);
        return bytes;
    }

    public async ValueTask DisposeAsync() => await _stream.DisposeAsync();
}
