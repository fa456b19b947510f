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

    private readonly Func<CancellationToken, ValueTask<PipeReader?>>? _startTls;
    private PipeReader _reader;
    private readonly Func<ReadOnlyMemory<byte>, ValueTask> _send;
    private readonly INbdExportProvider _exports;
    private readonly NbdServerOptions _options;
    private readonly NbdOptionReplies _replies;
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
        _replies = new NbdOptionReplies(send);
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
            await _replies.FlushAsync().ConfigureAwait(false);
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

            _replies.Error(option, NbdOptionReplyType.ErrPolicy, "this client may not use the mount server's exports: connect as root or as a member of group lifeboat");
            return (null, Next.Continue);
        }

        switch (option)
        {
            case NbdOption.ExportName:
                return ExportName(body);
            case NbdOption.Abort:
                _replies.Reply(option, NbdOptionReplyType.Ack);
                return (null, Next.Close);
            case NbdOption.List:
                List(body);
                return (null, Next.Continue);
            case NbdOption.StructuredReply:
                if (body.Length != 0 || _structured)
                {
                    _replies.Error(option, NbdOptionReplyType.ErrInvalid, body.Length != 0 ? "NBD_OPT_STRUCTURED_REPLY takes no data" : "structured replies are already negotiated");
                }
                else
                {
                    _structured = true;
                    _replies.Reply(option, NbdOptionReplyType.Ack);
                }

                return (null, Next.Continue);
            case NbdOption.Info or NbdOption.Go:
                var session = InfoOrGo(option, body);
                return option == NbdOption.Go && session is not null ? (session, Next.Transmission) : (null, Next.Continue);
            case NbdOption.ListMetaContext or NbdOption.SetMetaContext:
                MetaContext(option, body);
                return (null, Next.Continue);
            case NbdOption.StartTls when _tlsStarted:
                _replies.Error(option, NbdOptionReplyType.ErrInvalid, "TLS is already negotiated");
                return (null, Next.Continue);
            default:
                _replies.Error(option, NbdOptionReplyType.ErrUnsup, $"option {(uint)option} is not supported");
                return (null, Next.Continue);
        }
    }

    /// <summary>Forced TLS: only NBD_OPT_STARTTLS and NBD_OPT_ABORT are answered before TLS.</summary>
    private (NbdSession? Session, Next Next) BeforeTls(NbdOption option, byte[] body)
    {
        switch (option)
        {
            case NbdOption.StartTls when body.Length != 0:
                _replies.Error(option, NbdOptionReplyType.ErrInvalid, "NBD_OPT_STARTTLS takes no data");
                return (null, Next.Continue);
            case NbdOption.StartTls:
                _replies.Reply(option, NbdOptionReplyType.Ack);
                return (null, Next.StartTls);
            case NbdOption.Abort:
                _replies.Reply(option, NbdOptionReplyType.Ack);
                return (null, Next.Close);
            case NbdOption.ExportName:
                // NBD_OPT_EXPORT_NAME cannot be answered with an error: the protocol says to close instead.
                Refusal = "NBD_OPT_EXPORT_NAME before NBD_OPT_STARTTLS on a server that requires TLS";
                return (null, Next.Close);
            default:
                _replies.Error(option, NbdOptionReplyType.ErrTlsReqd, "this server requires TLS: send NBD_OPT_STARTTLS first (nbds:// URL, or TLS credentials for the client)");
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
        if (body.Length > NbdLimits.MaxStringLength || !NbdText.TryDecode(body, out var name))
        {
            Refusal = "NBD_OPT_EXPORT_NAME names no valid export name";
            return (null, Next.Close);
        }

        if (!_exports.TryGetExport(name, out var device))
        {
            Refusal = $"NBD_OPT_EXPORT_NAME asks for unknown export '{name}'";
            return (null, Next.Close);
        }

        var flags = NbdExportFlags.Of(device);
        _replies.ExportName(device.Size, flags, _noZeroes);
        return (CreateSession(name, device, flags), Next.Transmission);
    }

    private void List(byte[] body)
    {
        if (body.Length != 0)
        {
            _replies.Error(NbdOption.List, NbdOptionReplyType.ErrInvalid, "NBD_OPT_LIST takes no data");
            return;
        }

        foreach (var name in _exports.ExportNames)
        {
            var bytes = Encoding.UTF8.GetBytes(name);
            var data = new byte[4 + bytes.Length];
            BinaryPrimitives.WriteUInt32BigEndian(data, (uint)bytes.Length);
            bytes.CopyTo(data, 4);
            _replies.Reply(NbdOption.List, NbdOptionReplyType.Server, data);
        }

        _replies.Reply(NbdOption.List, NbdOptionReplyType.Ack);
    }

    private NbdSession? InfoOrGo(NbdOption option, byte[] body)
    {
        if (!NbdInfoRequest.TryParse(body, out var request, out var problem))
        {
            _replies.Error(option, NbdOptionReplyType.ErrInvalid, problem);
            return null;
        }

        var name = request.ExportName;
        if (!_exports.TryGetExport(name, out var device))
        {
            _replies.Error(option, NbdOptionReplyType.ErrUnknown, $"no export is named '{name}'");
            return null;
        }

        var flags = NbdExportFlags.Of(device);
        _replies.InfoExport(option, device.Size, flags);
        // Sent whether asked or not: it only repeats the defaults a client assumes, with our maximum payload.
        _replies.InfoBlockSize(option, minimum: 1, preferred: 4096, maximum: (uint)_options.MaxPayload);

        if (request.Asks(NbdInfoType.Name))
        {
            _replies.InfoName(option, request.RawName.Span);
        }

        _replies.Reply(option, NbdOptionReplyType.Ack);
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
                _replies.Error(option, NbdOptionReplyType.ErrInvalid, "metadata contexts need structured replies first");
                return;
            }
        }

        if (!NbdMetaContextQuery.TryParse(body, out var query, out var problem, out var tooBig))
        {
            _replies.Error(option, tooBig ? NbdOptionReplyType.ErrTooBig : NbdOptionReplyType.ErrInvalid, problem);
            return;
        }

        var (name, queries) = (query.ExportName, query.Queries);
        if (!_exports.TryGetExport(name, out _))
        {
            _replies.Error(option, NbdOptionReplyType.ErrUnknown, $"no export is named '{name}'");
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
            _replies.Reply(option, NbdOptionReplyType.MetaContext, data);
            if (set)
            {
                _allocationExport = name;
            }
        }

        _replies.Reply(option, NbdOptionReplyType.Ack);
    }

    private NbdSession CreateSession(string name, INbdBlockDevice device, NbdTransmissionFlags flags) =>
        new(name, device, flags, _structured, _structured && _allocationExport == name ? AllocationContextId : null);

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

    private enum Next
    {
        Continue,
        Transmission,
        Close,
        StartTls,
    }
}
