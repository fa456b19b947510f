using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Security.Authentication;
using Lifeboat.Nbd.Protocol;
using Lifeboat.Transport;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Nbd.Server;

/// <summary>
/// The NBD protocol handler of one connection on a <see cref="FramedConnection{TFrame, TReply}"/>: the handshake,
/// then each request checked and run against the export's device. Requests that complete synchronously have their
/// replies gathered and sent in one write per batch; the others (a cold read decoding off the loop)
/// post their reply when done, so replies leave in completion order and clients match them by cookie. After
/// NBD_OPT_STARTTLS the connection reads and writes through an SslStream over the same socket.
/// </summary>
internal sealed class NbdConnection : IServedConnection, IConnectionProtocol<NbdFrame>
{
    /// <summary>
    /// The reply of a READ of at least this many bytes starts to leave as soon as the read is done, not at the end of
    /// the batch: a loop that read four 1 MiB requests and only then sent the four replies left the socket idle while
    /// it copied, and the client waiting (sequential reads 0.52x nbdkit's in bench/nbd-peers). Running large reads on
    /// the thread pool instead cost a wake each (0.66-0.94x of main sequentially, 1.09-1.16x the CPU per read).
    /// </summary>
    internal const int SendAtOnceBytes = 128 * 1024;

    private readonly FramedConnection<NbdFrame, NbdOutgoingReply> _connection;
    private readonly NbdTlsAuthenticator? _tls;
    private readonly INbdExportProvider _exports;
    private readonly NbdServerOptions _options;
    private readonly ILogger _logger;
    private readonly NbdRequestExecutor _executor;
    private ConnectionOutput _output;
    private NbdSession? _session;

    /// <param name="tls">Non-null: TLS is required before any export is listed or opened.</param>
    public NbdConnection(long id, ConnectionTransport transport, string remote, INbdExportProvider exports, NbdServerOptions options, ILogger logger, NbdTlsAuthenticator? tls = null)
    {
        _tls = tls;
        // Each connection sees the exports its peer is admitted to (a narrowed publication's only to its host).
        _exports = transport.Socket is { } socket ? exports.For(socket) : exports;
        _options = options;
        _logger = logger;
        _output = transport.Output;
        _executor = new NbdRequestExecutor(options, logger, id);
        _connection = new FramedConnection<NbdFrame, NbdOutgoingReply>(
            id,
            "NBD",
            transport,
            new FrameAdmission(options.MaxRequestsInFlightPerConnection, options.MaxBytesInFlightPerConnection),
            logger)
        {
            Remote = remote,
        };
    }

    public long Id => _connection.Id;

    /// <summary>What the connection holds in flight, for tests that probe its caps.</summary>
    internal FrameAdmission Admission => _connection.Admission;

    public string Remote => _connection.Remote;

    public void BeginStop() => _connection.BeginStop();

    public void Abort() => _connection.Abort();

    public Task RunAsync() => _connection.RunAsync(this);

    public async ValueTask<bool> StartAsync()
    {
        NbdServerLog.ConnectionAccepted(_logger, Id, Remote);
        var handshake = new NbdServerHandshake(_connection.Input, SendDirectAsync, _exports, _options, IsClientAllowed(), _tls is null ? null : StartTlsAsync);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_connection.Aborted);
        timeout.CancelAfter(_options.HandshakeTimeout);
        try
        {
            _session = await handshake.RunAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!_connection.IsAborted)
        {
            NbdServerLog.HandshakeRefused(_logger, Id, Remote, $"no export chosen within {_options.HandshakeTimeout.TotalSeconds} s");
            return false;
        }

        if (_session is null)
        {
            if (handshake.Refusal is { } refusal)
            {
                NbdServerLog.HandshakeRefused(_logger, Id, Remote, refusal);
            }

            return false;
        }

        NbdServerLog.ExportChosen(_logger, Id, Remote, _session.ExportName, _session.StructuredReplies, _session.AllocationContextId is not null);
        return true;
    }

    public void Closed() => NbdServerLog.ConnectionClosed(_logger, Id, Remote, _connection.Frames);

    public FrameStatus TryParse(ref ReadOnlySequence<byte> buffer, out NbdFrame frame, out bool anotherFollows)
    {
        anotherFollows = false;
        frame = default;
        var status = TryReadRequest(buffer, out var request, out var payloadLength);
        if (status != FrameStatus.Complete)
        {
            if (status == FrameStatus.Close && request.Command == NbdCommand.Disc)
            {
                buffer = buffer.Slice(NbdWire.RequestHeaderSize);
            }

            return status;
        }

        frame = new NbdFrame(request, buffer.Slice(NbdWire.RequestHeaderSize, payloadLength));
        buffer = buffer.Slice(NbdWire.RequestHeaderSize + payloadLength);
        anotherFollows = TryReadRequest(buffer, out _, out _) == FrameStatus.Complete;
        return FrameStatus.Complete;
    }

    public long AdmittedBytes(in NbdFrame frame) =>
        frame.Request.Command is NbdCommand.Read or NbdCommand.Write ? frame.Request.Length : 0;

    public bool Dispatch(in NbdFrame frame, bool anotherFollows)
    {
        var request = frame.Request;
        var admitted = AdmittedBytes(frame);
        byte[]? payload = null;
        if (!frame.Payload.IsEmpty)
        {
            payload = ArrayPool<byte>.Shared.Rent((int)frame.Payload.Length);
            frame.Payload.CopyTo(payload);
        }

        var session = _session!;
        var error = NbdRequestValidation.Check(request, session, _options.MaxPayload, out var reason);
        if (error != NbdError.None)
        {
            NbdRequestExecutor.ReturnPayload(payload);
            NbdServerLog.RequestRefused(_logger, request.Command, Id, error, reason);
            _connection.Sender.Enqueue(NbdReplies.Error(session.StructuredReplies, request.Cookie, error, reason, admitted));
            return true;
        }

        var execution = _executor.ExecuteAsync(session, request, payload, admitted, _connection.Aborted);
        if (execution.IsCompleted && request.Command == NbdCommand.Read && request.Length >= SendAtOnceBytes)
        {
            _connection.Sender.Post(execution.Result);
        }
        else if (execution.IsCompleted)
        {
            _connection.Sender.Enqueue(execution.Result);
        }
        else
        {
            _ = PostLaterAsync(execution);
        }

        return true;
    }

    public void EndOfBatch()
    {
    }

    public void Truncated() => NbdServerLog.ProtocolViolation(_logger, Id, Remote, "the client closed the connection in the middle of a request");

    /// <summary>One scan of a request header (and the presence of its payload); logs and closes on a broken one.</summary>
    private FrameStatus TryReadRequest(in ReadOnlySequence<byte> buffer, out NbdRequestHeader request, out long payloadLength)
    {
        payloadLength = 0;
        var reader = new SequenceReader<byte>(buffer);
        if (!NbdRequestHeader.TryRead(ref reader, out var magic, out request))
        {
            return FrameStatus.Incomplete;
        }

        if (magic != NbdMagic.Request)
        {
            NbdServerLog.ProtocolViolation(_logger, Id, Remote, $"a request has magic 0x{magic:x8}");
            return FrameStatus.Close;
        }

        if (request.Command == NbdCommand.Disc)
        {
            return FrameStatus.Close;
        }

        payloadLength = request.Command == NbdCommand.Write ? request.Length : 0;
        if (payloadLength > _options.MaxPayload)
        {
            // A payload too large to accept cannot be skipped safely either: the protocol allows a hard disconnect.
            NbdServerLog.ProtocolViolation(_logger, Id, Remote, $"a write of {payloadLength} bytes exceeds the {_options.MaxPayload}-byte maximum payload");
            return FrameStatus.Close;
        }

        return buffer.Length - NbdWire.RequestHeaderSize < payloadLength ? FrameStatus.Incomplete : FrameStatus.Complete;
    }

    private async Task PostLaterAsync(ValueTask<NbdOutgoingReply> execution) => _connection.Sender.Post(await execution.ConfigureAwait(false));

    private bool IsClientAllowed()
    {
        bool allowed;
        try
        {
            allowed = _connection.Socket is not { } socket || (_options.AcceptClient?.Invoke(socket) ?? true);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // The peer has gone, or cannot be identified: it opens nothing.
            allowed = false;
        }

        if (!allowed)
        {
            NbdServerLog.ClientNotAllowed(_logger, Id, Remote);
        }

        return allowed;
    }

    private ValueTask SendDirectAsync(ReadOnlyMemory<byte> data) => _output.SendAsync(data, _connection.Aborted);

    /// <summary>Runs the TLS handshake on the socket; from then on the connection reads and writes through TLS.</summary>
    private async ValueTask<PipeReader?> StartTlsAsync(CancellationToken cancellationToken)
    {
        // The plain reader holds nothing (the handshake checked); completing it leaves the socket open.
        await _connection.Input.CompleteAsync().ConfigureAwait(false);
        PipeReader reader;
        try
        {
            var socket = _connection.Socket ?? throw new IOException("TLS needs a socket; this connection has none.");
            var stream = await _tls!.AuthenticateAsync(new NetworkStream(socket, ownsSocket: false), cancellationToken).ConfigureAwait(false);
            _output = new StreamOutput(stream);
            reader = ConnectionTransport.CreateReader(stream, _options.ReceiveBufferSize);
            _connection.SwitchTo(reader, _output);
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException)
        {
            NbdServerLog.TlsFailed(_logger, Id, Remote, ex.InnerException is { } inner ? $"{ex.Message} {inner.Message}" : ex.Message);
            _connection.SwitchTo(ConnectionTransport.CreateReader(Stream.Null, _options.ReceiveBufferSize), _output);
            return null;
        }

        return reader;
    }
}
