using System.Buffers.Binary;
using System.Text;
using Lifeboat.Nbd.Protocol;

namespace Lifeboat.Nbd.Client;

/// <summary>
/// The client side of the fixed newstyle handshake over a connected stream. Option haggling is a strict
/// request/reply exchange, so it reads exact lengths straight from the stream and leaves nothing buffered behind
/// for the transmission phase. With TLS asked for, NBD_OPT_STARTTLS comes first and everything after it goes over
/// TLS; a server that declines it is an error, never a reason to go on in the clear.
/// </summary>
internal sealed class NbdClientHandshake
{
    private Stream _stream;
    private bool _tlsStarted;
    private readonly string _exportName;
    private readonly byte[] _header = new byte[NbdWire.OptionReplyHeaderSize];

    private NbdClientHandshake(Stream stream, string exportName)
    {
        _stream = stream;
        _exportName = exportName;
    }

    /// <summary>Greets the server, starts TLS when <paramref name="tls"/> is given, then negotiates structured replies, metadata contexts and the export.</summary>
    /// <returns>The export, and the stream transmission goes on over (the TLS stream after STARTTLS).</returns>
    public static async Task<(NbdNegotiatedExport Export, Stream Stream)> NegotiateAsync(
        Stream stream, string exportName, IReadOnlyList<string> metaContexts, (NbdClientTlsOptions Options, string ServerName)? tls, CancellationToken cancellationToken)
    {
        var handshake = new NbdClientHandshake(stream, exportName);
        try
        {
            return await handshake.NegotiateCoreAsync(metaContexts, tls, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex) when (ex is not NbdException)
        {
            throw handshake.Broken(ex);
        }
    }

    private async Task<(NbdNegotiatedExport Export, Stream Stream)> NegotiateCoreAsync(
        IReadOnlyList<string> metaContexts, (NbdClientTlsOptions Options, string ServerName)? tls, CancellationToken cancellationToken)
    {
        var noZeroes = await GreetAsync(cancellationToken).ConfigureAwait(false);
        if (tls is { } asked)
        {
            await StartTlsAsync(asked.Options, asked.ServerName, cancellationToken).ConfigureAwait(false);
        }

        var structured = await TryStructuredRepliesAsync(cancellationToken).ConfigureAwait(false);
        IReadOnlyDictionary<uint, string> contexts = new Dictionary<uint, string>();
        if (metaContexts.Count > 0)
        {
            if (!structured)
            {
                throw Fail("the server does not offer structured replies, which metadata contexts need");
            }

            contexts = await SetMetaContextsAsync(metaContexts, cancellationToken).ConfigureAwait(false);
        }

        var export = await GoAsync(structured, contexts, noZeroes, cancellationToken).ConfigureAwait(false);
        return (export, _stream);
    }

    /// <summary>Greets the server, lists its exports and aborts the negotiation.</summary>
    public static async Task<IReadOnlyList<string>> ListAsync(Stream stream, CancellationToken cancellationToken)
    {
        var handshake = new NbdClientHandshake(stream, "");
        await handshake.GreetAsync(cancellationToken).ConfigureAwait(false);
        await handshake.SendOptionAsync(NbdOption.List, ReadOnlyMemory<byte>.Empty, cancellationToken).ConfigureAwait(false);
        var names = new List<string>();
        while (true)
        {
            var (type, body) = await handshake.ReadOptionReplyAsync(NbdOption.List, cancellationToken).ConfigureAwait(false);
            if (type == NbdOptionReplyType.Ack)
            {
                break;
            }

            if (type != NbdOptionReplyType.Server)
            {
                throw handshake.Fail($"NBD_OPT_LIST was answered {Describe(type, body)}");
            }

            if (body.Length < 4 || BinaryPrimitives.ReadUInt32BigEndian(body) > (uint)(body.Length - 4))
            {
                throw handshake.Fail("an NBD_REP_SERVER reply has a name longer than the reply");
            }

            names.Add(Encoding.UTF8.GetString(body, 4, (int)BinaryPrimitives.ReadUInt32BigEndian(body)));
        }

        await handshake.SendOptionAsync(NbdOption.Abort, ReadOnlyMemory<byte>.Empty, cancellationToken).ConfigureAwait(false);
        return names;
    }

    private async Task<bool> GreetAsync(CancellationToken cancellationToken)
    {
        var greeting = new byte[NbdWire.ServerGreetingSize];
        await ReadExactlyAsync(greeting, cancellationToken).ConfigureAwait(false);
        if (BinaryPrimitives.ReadUInt64BigEndian(greeting) != NbdMagic.InitPassword)
        {
            throw Fail("the server did not greet with NBDMAGIC");
        }

        var second = BinaryPrimitives.ReadUInt64BigEndian(greeting.AsSpan(8));
        if (second == NbdMagic.OldstyleNegotiation)
        {
            throw Fail("the server speaks only the oldstyle handshake");
        }

        if (second != NbdMagic.Option)
        {
            throw Fail("the server's greeting has neither newstyle nor oldstyle magic");
        }

        var flags = (NbdHandshakeFlags)BinaryPrimitives.ReadUInt16BigEndian(greeting.AsSpan(16));
        if ((flags & NbdHandshakeFlags.FixedNewstyle) == 0)
        {
            throw Fail("the server does not support fixed newstyle negotiation");
        }

        var noZeroes = (flags & NbdHandshakeFlags.NoZeroes) != 0;
        var clientFlags = NbdClientFlags.FixedNewstyle | (noZeroes ? NbdClientFlags.NoZeroes : NbdClientFlags.None);
        var answer = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(answer, (uint)clientFlags);
        await _stream.WriteAsync(answer, cancellationToken).ConfigureAwait(false);
        return noZeroes;
    }

    private async Task StartTlsAsync(NbdClientTlsOptions tls, string serverName, CancellationToken cancellationToken)
    {
        await SendOptionAsync(NbdOption.StartTls, ReadOnlyMemory<byte>.Empty, cancellationToken).ConfigureAwait(false);
        var (type, body) = await ReadOptionReplyAsync(NbdOption.StartTls, cancellationToken).ConfigureAwait(false);
        if (type != NbdOptionReplyType.Ack)
        {
            throw Fail($"TLS was asked for and the server does not offer it (NBD_OPT_STARTTLS was answered {Describe(type, body)}); turn TLS on at the server, or connect without TLS where that is safe");
        }

        // Nothing the server said in the clear is kept: the option haggling starts afresh over TLS.
        _stream = await NbdClientTls.AuthenticateAsync(_stream, tls, serverName, _exportName, cancellationToken).ConfigureAwait(false);
        _tlsStarted = true;
    }

    private async Task<bool> TryStructuredRepliesAsync(CancellationToken cancellationToken)
    {
        await SendOptionAsync(NbdOption.StructuredReply, ReadOnlyMemory<byte>.Empty, cancellationToken).ConfigureAwait(false);
        var (type, body) = await ReadOptionReplyAsync(NbdOption.StructuredReply, cancellationToken).ConfigureAwait(false);
        return type switch
        {
            NbdOptionReplyType.Ack => true,
            NbdOptionReplyType.ErrUnsup or NbdOptionReplyType.ErrPolicy => false,
            _ => throw Fail($"NBD_OPT_STRUCTURED_REPLY was answered {Describe(type, body)}"),
        };
    }

    private async Task<IReadOnlyDictionary<uint, string>> SetMetaContextsAsync(IReadOnlyList<string> metaContexts, CancellationToken cancellationToken)
    {
        var data = new MemoryStream();
        WriteString32(data, _exportName);
        WriteUInt32(data, (uint)metaContexts.Count);
        foreach (var context in metaContexts)
        {
            WriteString32(data, context);
        }

        await SendOptionAsync(NbdOption.SetMetaContext, data.ToArray(), cancellationToken).ConfigureAwait(false);
        var contexts = new Dictionary<uint, string>();
        while (true)
        {
            var (type, body) = await ReadOptionReplyAsync(NbdOption.SetMetaContext, cancellationToken).ConfigureAwait(false);
            if (type == NbdOptionReplyType.Ack)
            {
                return contexts;
            }

            if (type != NbdOptionReplyType.MetaContext)
            {
                throw Fail($"NBD_OPT_SET_META_CONTEXT was answered {Describe(type, body)}");
            }

            if (body.Length < 5 || body.Length - 4 > NbdLimits.MaxStringLength || contexts.Count >= NbdLimits.MaxMetaContextQueries)
            {
                throw Fail("an NBD_REP_META_CONTEXT reply is malformed");
            }

            contexts[BinaryPrimitives.ReadUInt32BigEndian(body)] = Encoding.UTF8.GetString(body, 4, body.Length - 4);
        }
    }

    private async Task<NbdNegotiatedExport> GoAsync(bool structured, IReadOnlyDictionary<uint, string> contexts, bool noZeroes, CancellationToken cancellationToken)
    {
        var data = new MemoryStream();
        WriteString32(data, _exportName);
        WriteUInt16(data, 1);
        WriteUInt16(data, (ushort)NbdInfoType.BlockSize);
        await SendOptionAsync(NbdOption.Go, data.ToArray(), cancellationToken).ConfigureAwait(false);

        long? size = null;
        var flags = NbdTransmissionFlags.None;
        uint minimum = 1, preferred = 4096, maximum = NbdLimits.MaxPayload;
        while (true)
        {
            var (type, body) = await ReadOptionReplyAsync(NbdOption.Go, cancellationToken).ConfigureAwait(false);
            switch (type)
            {
                case NbdOptionReplyType.Info when body.Length >= 2:
                    var info = (NbdInfoType)BinaryPrimitives.ReadUInt16BigEndian(body);
                    if (info == NbdInfoType.Export && body.Length == 12)
                    {
                        size = CheckSize(BinaryPrimitives.ReadUInt64BigEndian(body.AsSpan(2)));
                        flags = (NbdTransmissionFlags)BinaryPrimitives.ReadUInt16BigEndian(body.AsSpan(10));
                    }
                    else if (info == NbdInfoType.BlockSize && body.Length == 14)
                    {
                        minimum = BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(2));
                        preferred = BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(6));
                        maximum = BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(10));
                        if (minimum == 0 || minimum > 65536 || (minimum & (minimum - 1)) != 0 || maximum < minimum)
                        {
                            throw Fail($"the server's block size constraints ({minimum}, {preferred}, {maximum}) are invalid");
                        }
                    }

                    break;
                case NbdOptionReplyType.Info:
                    throw Fail("an NBD_REP_INFO reply is shorter than its type");
                case NbdOptionReplyType.Ack when size is null:
                    throw Fail("the server accepted NBD_OPT_GO without describing the export");
                case NbdOptionReplyType.Ack:
                    return new NbdNegotiatedExport(size.Value, flags, structured, contexts, minimum, preferred, maximum);
                case NbdOptionReplyType.ErrUnsup:
                    return await ExportNameAsync(structured, contexts, noZeroes, cancellationToken).ConfigureAwait(false);
                default:
                    throw Fail($"NBD_OPT_GO was answered {Describe(type, body)}");
            }
        }
    }

    /// <summary>The fallback for servers without NBD_OPT_GO: an unknown export then ends the connection.</summary>
    private async Task<NbdNegotiatedExport> ExportNameAsync(bool structured, IReadOnlyDictionary<uint, string> contexts, bool noZeroes, CancellationToken cancellationToken)
    {
        await SendOptionAsync(NbdOption.ExportName, Encoding.UTF8.GetBytes(_exportName), cancellationToken).ConfigureAwait(false);
        var reply = new byte[NbdWire.ExportNameReplySize + (noZeroes ? 0 : NbdWire.ExportNameReplyZeroes)];
        await ReadExactlyAsync(reply, cancellationToken).ConfigureAwait(false);
        var size = CheckSize(BinaryPrimitives.ReadUInt64BigEndian(reply));
        var flags = (NbdTransmissionFlags)BinaryPrimitives.ReadUInt16BigEndian(reply.AsSpan(8));
        return new NbdNegotiatedExport(size, flags, structured, contexts, 1, 4096, NbdLimits.MaxPayload);
    }

    private long CheckSize(ulong size) =>
        size <= long.MaxValue ? (long)size : throw Fail($"the export's size {size} is larger than any file");

    private async Task SendOptionAsync(NbdOption option, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var message = new byte[NbdWire.OptionHeaderSize + data.Length];
        BinaryPrimitives.WriteUInt64BigEndian(message, NbdMagic.Option);
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(8), (uint)option);
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(12), (uint)data.Length);
        data.Span.CopyTo(message.AsSpan(NbdWire.OptionHeaderSize));
        await _stream.WriteAsync(message, cancellationToken).ConfigureAwait(false);
    }

    private async Task<(NbdOptionReplyType Type, byte[] Body)> ReadOptionReplyAsync(NbdOption option, CancellationToken cancellationToken)
    {
        await ReadExactlyAsync(_header, cancellationToken).ConfigureAwait(false);
        if (BinaryPrimitives.ReadUInt64BigEndian(_header) != NbdMagic.OptionReply)
        {
            throw Fail("an option reply has the wrong magic");
        }

        var echoed = (NbdOption)BinaryPrimitives.ReadUInt32BigEndian(_header.AsSpan(8));
        if (echoed != option)
        {
            throw Fail($"the reply to option {option} names option {(uint)echoed}");
        }

        var type = (NbdOptionReplyType)BinaryPrimitives.ReadUInt32BigEndian(_header.AsSpan(12));
        var length = BinaryPrimitives.ReadUInt32BigEndian(_header.AsSpan(16));
        if (length > NbdLimits.MaxOptionLength)
        {
            throw Fail($"an option reply of {length} bytes exceeds the {NbdLimits.MaxOptionLength}-byte cap");
        }

        var body = length == 0 ? [] : new byte[length];
        await ReadExactlyAsync(body, cancellationToken).ConfigureAwait(false);
        if (type == NbdOptionReplyType.ErrTlsReqd)
        {
            throw Fail($"the server requires TLS (it answered {option} with {Describe(type, body)}); connect with TLS and the CA that signed the server's certificate");
        }

        return (type, body);
    }

    private async Task ReadExactlyAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        try
        {
            await _stream.ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (EndOfStreamException ex)
        {
            throw Broken(ex);
        }
    }

    /// <summary>With TLS 1.3 a server refuses a client's certificate (or its lack) after the client finished its handshake: the next read or write breaks.</summary>
    private NbdException Broken(Exception ex)
    {
        var what = ex is EndOfStreamException ? "closed the connection" : $"broke the connection ({ex.Message.TrimEnd('.')})";
        var hint = _tlsStarted ? "; a server refuses a client certificate, or the lack of one, that way over TLS: give a client certificate signed by the CA the server trusts" : "";
        return new NbdException($"The NBD server {what} during the handshake for export '{_exportName}'{hint}.", _exportName, innerException: ex);
    }

    private NbdException Fail(string what) => new($"NBD handshake for export '{_exportName}' failed: {what}.", _exportName);

    private static string Describe(NbdOptionReplyType type, byte[] body)
    {
        var name = Enum.IsDefined(type) ? type.ToString() : $"0x{(uint)type:x8}";
        var message = ((uint)type & 0x8000_0000) != 0 && body.Length > 0 ? $": {Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, NbdLimits.MaxStringLength))}" : "";
        return name + message;
    }

    private static void WriteString32(MemoryStream stream, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        if (bytes.Length > NbdLimits.MaxStringLength)
        {
            throw new ArgumentException($"'{value}' is longer than the protocol's {NbdLimits.MaxStringLength}-byte strings.");
        }

        WriteUInt32(stream, (uint)bytes.Length);
        stream.Write(bytes);
    }

    private static void WriteUInt32(MemoryStream stream, uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        stream.Write(bytes);
    }

    private static void WriteUInt16(MemoryStream stream, ushort value)
    {
        Span<byte> bytes = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, value);
        stream.Write(bytes);
    }
}
