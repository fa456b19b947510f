using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Text;
using Lifeboat.Nbd.Protocol;

namespace Lifeboat.Nbd.Server;

/// <summary>
/// The server side of the fixed newstyle handshake, from the greeting to the first transmission byte. Every
/// option is read whole only after its length passed the cap; options it does not know get NBD_REP_ERR_UNSUP,
/// malformed ones NBD_REP_ERR_INVALID. It reads from the connection's pipe, so whatever the client pipelined
/// after NBD_OPT_GO stays buffered for the transmission phase. With TLS required, every option before
/// NBD_OPT_STARTTLS but NBD_OPT_ABORT gets NBD_REP_ERR_TLS_REQD, and the handshake goes on over TLS from a fresh state.
/// </summary>
internal sealed class NbdServerHandshake
{
    private const uint AllocationContextId = 1;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly Func<CancellationToken, ValueTask<PipeReader?>>? _startTls;
    private PipeReader _reader;
    private readonly Func<ReadOnlyMemory<byte>, ValueTask> _send;
    private readonly INbdExportProvider _exports;
    private readonly NbdServerOptions _options;
    private readonly ArrayBufferWriter<byte> _replies = new(256);
    private readonly bool _clientAllowed;
    private bool _noZeroes;
    private bool _structured;
    private string? _allocationExport;
    private bool _tlsStarted;

    /// <param name="clientAllowed">False: every option that would list or open an export gets NBD_REP_ERR_POLICY.</param>
    /// <param name="startTls">
    /// Null: no TLS, NBD_OPT_STARTTLS is unsupported. Else TLS is required; called after the STARTTLS reply is sent, it
    /// runs the TLS handshake and returns the reader of the decrypted stream (the send callback then sends over TLS),
    /// or null when the TLS handshake failed (and the callback logged why).
    /// </param>
    public NbdServerHandshake(PipeReader reader, Func<ReadOnlyMemory<byte>, ValueTask> send, INbdExportProvider exports, NbdServerOptions options, bool clientAllowed = true,
        Func<CancellationToken, ValueTask<PipeReader?>>? startTls = null)
    {
        _startTls = startTls;
        _clientAllowed = clientAllowed;
        _reader = reader;
        _send = send;
        _exports = exports;
        _options = options;
    }

    /// <summary>Why the handshake ended without a session, for the log; null after a clean NBD_OPT_ABORT or hang-up.</summary>
    public string? Refusal { get; private set; }

    /// <summary>Runs the handshake: a session when the client entered transmission, null when the connection should close.</summary>
    public async Task<NbdSession?> RunAsync(CancellationToken cancellationToken)
    {
        var greeting = new byte[NbdWire.ServerGreetingSize];
        BinaryPrimitives.WriteUInt64BigEndian(greeting, NbdMagic.InitPassword);
        BinaryPrimitives.WriteUInt64BigEndian(greeting.AsSpan(8), NbdMagic.Option);
        BinaryPrimitives.WriteUInt16BigEndian(greeting.AsSpan(16), (ushort)(NbdHandshakeFlags.FixedNewstyle | NbdHandshakeFlags.NoZeroes));
        await _send(greeting).ConfigureAwait(false);

        var clientFlags = await ReadAsync(4, cancellationToken).ConfigureAwait(false);
        if (clientFlags is null)
        {
            return null;
        }

        var flags = (NbdClientFlags)BinaryPrimitives.ReadUInt32BigEndian(clientFlags);
        if ((flags & ~(NbdClientFlags.FixedNewstyle | NbdClientFlags.NoZeroes)) != 0)
        {
            return Refuse($"unknown client flags 0x{(uint)flags:x8}");
        }

        _noZeroes = (flags & NbdClientFlags.NoZeroes) != 0;
        for (var count = 0; count < _options.MaxOptionsPerConnection; count++)
        {
            var header = await ReadAsync(NbdWire.OptionHeaderSize, cancellationToken).ConfigureAwait(false);
            if (header is null)
            {
                return null;
            }

            if (BinaryPrimitives.ReadUInt64BigEndian(header) != NbdMagic.Option)
            {
                return Refuse("an option does not start with IHAVEOPT");
            }

            var option = (NbdOption)BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(8));
            var length = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(12));
            if (length > NbdLimits.MaxOptionLength)
            {
                return Refuse($"option {(uint)option} carries {length} bytes, more than the {NbdLimits.MaxOptionLength}-byte cap");
            }

            var body = await ReadAsync((int)length, cancellationToken).ConfigureAwait(false);
            if (body is null)
            {
                return null;
            }

            var (session, next) = HandleOption(option, body);
            await FlushAsync().ConfigureAwait(false);
            if (next == Next.StartTls)
            {
                if (!await StartTlsAsync(cancellationToken).ConfigureAwait(false))
                {
                    return null;
                }

                continue;
            }

            if (next == Next.Transmission)
            {
                return session;
            }

            if (next == Next.Close)
            {
                return null;
            }
        }

        return Refuse($"more than {_options.MaxOptionsPerConnection} options without choosing an export");
    }

    private (NbdSession? Session, Next Next) HandleOption(NbdOption option, byte[] body)
    {
        if (_startTls is not null && !_tlsStarted)
        {
            return BeforeTls(option, body);
        }

        if (!_clientAllowed && option is NbdOption.ExportName or NbdOption.List or NbdOption.Info or NbdOption.Go or NbdOption.ListMetaContext or NbdOption.SetMetaContext)
        {
            Refusal = "the client may open no export";
            if (option == NbdOption.ExportName)
            {
                // NBD_OPT_EXPORT_NAME cannot be answered with an error: the protocol says to close instead.
                return (null, Next.Close);
            }

            Error(option, NbdOptionReplyType.ErrPolicy, "this client may not use the mount server's exports: connect as root or as a member of group lifeboat");
            return (null, Next.Continue);
        }

        switch (option)
        {
            case NbdOption.ExportName:
                return ExportName(body);
            case NbdOption.Abort:
                Reply(option, NbdOptionReplyType.Ack);
                return (null, Next.Close);
            case NbdOption.List:
                List(body);
                return (null, Next.Continue);
            case NbdOption.StructuredReply:
                if (body.Length != 0 || _structured)
                {
                    Error(option, NbdOptionReplyType.ErrInvalid, body.Length != 0 ? "NBD_OPT_STRUCTURED_REPLY takes no data" : "structured replies are already negotiated");
                }
                else
                {
                    _structured = true;
                    Reply(option, NbdOptionReplyType.Ack);
                }

                return (null, Next.Continue);
            case NbdOption.Info or NbdOption.Go:
                var session = InfoOrGo(option, body);
                return option == NbdOption.Go && session is not null ? (session, Next.Transmission) : (null, Next.Continue);
            case NbdOption.ListMetaContext or NbdOption.SetMetaContext:
                MetaContext(option, body);
                return (null, Next.Continue);
            case NbdOption.StartTls when _tlsStarted:
                Error(option, NbdOptionReplyType.ErrInvalid, "TLS is already negotiated");
                return (null, Next.Continue);
            default:
                Error(option, NbdOptionReplyType.ErrUnsup, $"option {(uint)option} is not supported");
                return (null, Next.Continue);
        }
    }

    /// <summary>Forced TLS: only NBD_OPT_STARTTLS and NBD_OPT_ABORT are answered before TLS.</summary>
    private (NbdSession? Session, Next Next) BeforeTls(NbdOption option, byte[] body)
    {
        switch (option)
        {
            case NbdOption.StartTls when body.Length != 0:
                Error(option, NbdOptionReplyType.ErrInvalid, "NBD_OPT_STARTTLS takes no data");
                return (null, Next.Continue);
            case NbdOption.StartTls:
                Reply(option, NbdOptionReplyType.Ack);
                return (null, Next.StartTls);
            case NbdOption.Abort:
                Reply(option, NbdOptionReplyType.Ack);
                return (null, Next.Close);
            case NbdOption.ExportName:
                // NBD_OPT_EXPORT_NAME cannot be answered with an error: the protocol says to close instead.
                Refusal = "NBD_OPT_EXPORT_NAME before NBD_OPT_STARTTLS on a server that requires TLS";
                return (null, Next.Close);
            default:
                Error(option, NbdOptionReplyType.ErrTlsReqd, "this server requires TLS: send NBD_OPT_STARTTLS first (nbds:// URL, or TLS credentials for the client)");
                return (null, Next.Continue);
        }
    }

    private async ValueTask<bool> StartTlsAsync(CancellationToken cancellationToken)
    {
        // The client must wait for the reply before its TLS hello: bytes already here were sent in the clear.
        if (_reader.TryRead(out var pending))
        {
            var early = !pending.Buffer.IsEmpty;
            _reader.AdvanceTo(pending.Buffer.Start);
            if (early)
            {
                Refusal = "the client sent data after NBD_OPT_STARTTLS before the server's reply";
                return false;
            }
        }

        var reader = await _startTls!(cancellationToken).ConfigureAwait(false);
        if (reader is null)
        {
            // The connection logged why.
            return false;
        }

        // Nothing agreed in the clear carries over into TLS.
        _reader = reader;
        _tlsStarted = true;
        _structured = false;
        _allocationExport = null;
        return true;
    }

    private (NbdSession? Session, Next Next) ExportName(byte[] body)
    {
        // NBD_OPT_EXPORT_NAME cannot be answered with an error: the protocol says to close instead.
        if (body.Length > NbdLimits.MaxStringLength || !TryDecode(body, out var name))
        {
            Refusal = "NBD_OPT_EXPORT_NAME names no valid export name";
            return (null, Next.Close);
        }

        if (!_exports.TryGetExport(name, out var device))
        {
            Refusal = $"NBD_OPT_EXPORT_NAME asks for unknown export '{name}'";
            return (null, Next.Close);
        }

        var flags = TransmissionFlags(device);
        var reply = _replies.GetSpan(NbdWire.ExportNameReplySize + NbdWire.ExportNameReplyZeroes);
        BinaryPrimitives.WriteUInt64BigEndian(reply, (ulong)device.Size);
        BinaryPrimitives.WriteUInt16BigEndian(reply[8..], (ushort)flags);
        var length = NbdWire.ExportNameReplySize;
        if (!_noZeroes)
        {
            reply.Slice(length, NbdWire.ExportNameReplyZeroes).Clear();
            length += NbdWire.ExportNameReplyZeroes;
        }

        _replies.Advance(length);
        return (CreateSession(name, device, flags), Next.Transmission);
    }

    private void List(byte[] body)
    {
        if (body.Length != 0)
        {
            Error(NbdOption.List, NbdOptionReplyType.ErrInvalid, "NBD_OPT_LIST takes no data");
            return;
        }

        foreach (var name in _exports.ExportNames)
        {
            var bytes = Encoding.UTF8.GetBytes(name);
            var data = new byte[4 + bytes.Length];
            BinaryPrimitives.WriteUInt32BigEndian(data, (uint)bytes.Length);
            bytes.CopyTo(data, 4);
            Reply(NbdOption.List, NbdOptionReplyType.Server, data);
        }

        Reply(NbdOption.List, NbdOptionReplyType.Ack);
    }

    private NbdSession? InfoOrGo(NbdOption option, byte[] body)
    {
        if (body.Length < 6)
        {
            Error(option, NbdOptionReplyType.ErrInvalid, "the option is shorter than a name length and a request count");
            return null;
        }

        var nameLength = BinaryPrimitives.ReadUInt32BigEndian(body);
        if (nameLength > (uint)(body.Length - 6) || nameLength > NbdLimits.MaxStringLength)
        {
            Error(option, NbdOptionReplyType.ErrInvalid, "the export name is longer than the option or than 4096 bytes");
            return null;
        }

        var requests = BinaryPrimitives.ReadUInt16BigEndian(body.AsSpan(4 + (int)nameLength));
        if (4 + nameLength + 2 + (2 * requests) != body.Length)
        {
            Error(option, NbdOptionReplyType.ErrInvalid, "the information requests do not fill the option");
            return null;
        }

        if (!TryDecode(body.AsSpan(4, (int)nameLength), out var name))
        {
            Error(option, NbdOptionReplyType.ErrInvalid, "the export name is not UTF-8");
            return null;
        }

        if (!_exports.TryGetExport(name, out var device))
        {
            Error(option, NbdOptionReplyType.ErrUnknown, $"no export is named '{name}'");
            return null;
        }

        var flags = TransmissionFlags(device);
        var export = new byte[12];
        BinaryPrimitives.WriteUInt16BigEndian(export, (ushort)NbdInfoType.Export);
        BinaryPrimitives.WriteUInt64BigEndian(export.AsSpan(2), (ulong)device.Size);
        BinaryPrimitives.WriteUInt16BigEndian(export.AsSpan(10), (ushort)flags);
        Reply(option, NbdOptionReplyType.Info, export);

        // Sent whether asked or not: it only repeats the defaults a client assumes, with our maximum payload.
        var blockSize = new byte[14];
        BinaryPrimitives.WriteUInt16BigEndian(blockSize, (ushort)NbdInfoType.BlockSize);
        BinaryPrimitives.WriteUInt32BigEndian(blockSize.AsSpan(2), 1);
        BinaryPrimitives.WriteUInt32BigEndian(blockSize.AsSpan(6), 4096);
        BinaryPrimitives.WriteUInt32BigEndian(blockSize.AsSpan(10), (uint)_options.MaxPayload);
        Reply(option, NbdOptionReplyType.Info, blockSize);

        for (var i = 0; i < requests; i++)
        {
            if ((NbdInfoType)BinaryPrimitives.ReadUInt16BigEndian(body.AsSpan(4 + (int)nameLength + 2 + (2 * i))) == NbdInfoType.Name)
            {
                var nameInfo = new byte[2 + nameLength];
                BinaryPrimitives.WriteUInt16BigEndian(nameInfo, (ushort)NbdInfoType.Name);
                body.AsSpan(4, (int)nameLength).CopyTo(nameInfo.AsSpan(2));
                Reply(option, NbdOptionReplyType.Info, nameInfo);
            }
        }

        Reply(option, NbdOptionReplyType.Ack);
        return option == NbdOption.Go ? CreateSession(name, device, flags) : null;
    }

    private void MetaContext(NbdOption option, byte[] body)
    {
        var set = option == NbdOption.SetMetaContext;
        if (set)
        {
            // A SET replaces the selection even when it fails.
            _allocationExport = null;
            if (!_structured)
            {
                Error(option, NbdOptionReplyType.ErrInvalid, "metadata contexts need structured replies first");
                return;
            }
        }

        if (!TryParseMetaContextQuery(body, out var name, out var queries, out var problem, out var tooBig))
        {
            Error(option, tooBig ? NbdOptionReplyType.ErrTooBig : NbdOptionReplyType.ErrInvalid, problem);
            return;
        }

        if (!_exports.TryGetExport(name, out _))
        {
            Error(option, NbdOptionReplyType.ErrUnknown, $"no export is named '{name}'");
            return;
        }

        var allocation = set
            ? queries.Contains(NbdLimits.BaseAllocation)
            : queries.Count == 0 || queries.Any(q => q is "base:" or NbdLimits.BaseAllocation);
        if (allocation)
        {
            var context = Encoding.UTF8.GetBytes(NbdLimits.BaseAllocation);
            var data = new byte[4 + context.Length];
            BinaryPrimitives.WriteUInt32BigEndian(data, set ? AllocationContextId : 0);
            context.CopyTo(data, 4);
            Reply(option, NbdOptionReplyType.MetaContext, data);
            if (set)
            {
                _allocationExport = name;
            }
        }

        Reply(option, NbdOptionReplyType.Ack);
    }

    private static bool TryParseMetaContextQuery(byte[] body, out string name, out List<string> queries, out string problem, out bool tooBig)
    {
        name = "";
        queries = [];
        problem = "";
        tooBig = false;
        if (body.Length < 8)
        {
            problem = "the option is shorter than a name length and a query count";
            return false;
        }

        var nameLength = BinaryPrimitives.ReadUInt32BigEndian(body);
        if (nameLength > (uint)(body.Length - 8) || nameLength > NbdLimits.MaxStringLength || !TryDecode(body.AsSpan(4, (int)nameLength), out name))
        {
            problem = "the export name is too long or not UTF-8";
            return false;
        }

        var position = 4 + (int)nameLength;
        var count = BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(position));
        position += 4;
        if (count > NbdLimits.MaxMetaContextQueries)
        {
            problem = $"{count} queries are more than the {NbdLimits.MaxMetaContextQueries} accepted";
            tooBig = true;
            return false;
        }

        for (var i = 0; i < count; i++)
        {
            if (body.Length - position < 4)
            {
                problem = "a query length lies past the end of the option";
                return false;
            }

            var length = BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(position));
            position += 4;
            if (length > (uint)(body.Length - position) || length > NbdLimits.MaxStringLength || !TryDecode(body.AsSpan(position, (int)length), out var query))
            {
                problem = "a query is longer than the option or than 4096 bytes, or is not UTF-8";
                return false;
            }

            position += (int)length;
            queries.Add(query);
        }

        if (position != body.Length)
        {
            problem = "bytes follow the last query";
            return false;
        }

        return true;
    }

    private NbdSession CreateSession(string name, INbdBlockDevice device, NbdTransmissionFlags flags) =>
        new(name, device, flags, _structured, _structured && _allocationExport == name ? AllocationContextId : null);

    private static NbdTransmissionFlags TransmissionFlags(INbdBlockDevice device)
    {
        var flags = NbdTransmissionFlags.HasFlags;
        if (device.CanFlush)
        {
            flags |= NbdTransmissionFlags.SendFlush | NbdTransmissionFlags.SendFua;
        }

        if (device.IsReadOnly)
        {
            return flags | NbdTransmissionFlags.ReadOnly;
        }

        flags |= NbdTransmissionFlags.SendWriteZeroes;
        return device.CanTrim ? flags | NbdTransmissionFlags.SendTrim : flags;
    }

    private void Reply(NbdOption option, NbdOptionReplyType type, ReadOnlySpan<byte> data = default)
    {
        var span = _replies.GetSpan(NbdWire.OptionReplyHeaderSize + data.Length);
        BinaryPrimitives.WriteUInt64BigEndian(span, NbdMagic.OptionReply);
        BinaryPrimitives.WriteUInt32BigEndian(span[8..], (uint)option);
        BinaryPrimitives.WriteUInt32BigEndian(span[12..], (uint)type);
        BinaryPrimitives.WriteUInt32BigEndian(span[16..], (uint)data.Length);
        data.CopyTo(span[NbdWire.OptionReplyHeaderSize..]);
        _replies.Advance(NbdWire.OptionReplyHeaderSize + data.Length);
    }

    private void Error(NbdOption option, NbdOptionReplyType type, string message) => Reply(option, type, Encoding.UTF8.GetBytes(message));

    private async ValueTask FlushAsync()
    {
        if (_replies.WrittenCount > 0)
        {
            await _send(_replies.WrittenMemory).ConfigureAwait(false);
            _replies.Clear();
        }
    }

    /// <summary>Exactly <paramref name="count"/> bytes (already capped by the caller), or null when the client hung up first.</summary>
    private async ValueTask<byte[]?> ReadAsync(int count, CancellationToken cancellationToken)
    {
        if (count == 0)
        {
            return [];
        }

        var result = await _reader.ReadAtLeastAsync(count, cancellationToken).ConfigureAwait(false);
        var buffer = result.Buffer;
        if (buffer.Length < count)
        {
            _reader.AdvanceTo(buffer.Start, buffer.End);
            if (!buffer.IsEmpty)
            {
                Refusal = "the client closed the connection in the middle of a message";
            }

            return null;
        }

        var bytes = buffer.Slice(0, count).ToArray();
        _reader.AdvanceTo(buffer.GetPosition(count));
        return bytes;
    }

    private NbdSession? Refuse(string reason)
    {
        Refusal = reason;
        return null;
    }

    private static bool TryDecode(ReadOnlySpan<byte> bytes, out string value)
    {
        try
        {
            value = StrictUtf8.GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            value = "";
            return false;
        }
    }

    private enum Next
    {
        Continue,
        Transmission,
        Close,
        StartTls,
    }
}
