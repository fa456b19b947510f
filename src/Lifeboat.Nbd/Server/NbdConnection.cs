using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Security.Authentication;
using Lifeboat.Nbd.Client;
using Lifeboat.Nbd.Protocol;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Nbd.Server;

/// <summary>
/// One accepted connection: the handshake, then a loop that reads requests and runs them against the export's
/// device. Requests that complete synchronously have their replies gathered and sent in one write per batch;
/// the others post their reply when done, so replies leave in completion order and clients match them by cookie.
/// <see cref="NbdRequestAdmission"/> bounds the requests and payload bytes between being read and being answered.
/// Plain connections read through a pipe over the socket and write to it directly; after NBD_OPT_STARTTLS both go
/// through an SslStream over the same socket.
/// </summary>
internal sealed class NbdConnection
{
    private readonly Socket _socket;
    private readonly NbdTlsAuthenticator? _tls;
    private PipeReader _reader;
    private NbdTransport _transport;
    private NbdReplySender _sender;
    private readonly INbdExportProvider _exports;
    private readonly NbdServerOptions _options;
    private readonly ILogger _logger;
    private readonly NbdRequestAdmission _admission;
    private readonly CancellationTokenSource _aborted = new();
    private NbdSession? _session;
    private long _requests;
    private volatile bool _stopping;

    /// <param name="tls">Non-null: TLS is required before any export is listed or opened.</param>
    public NbdConnection(long id, Socket socket, string remote, INbdExportProvider exports, NbdServerOptions options, ILogger logger, NbdTlsAuthenticator? tls = null)
    {
        _tls = tls;
        Id = id;
        Remote = remote;
        _socket = socket;
        _exports = exports.For(socket);
        _options = options;
        _logger = logger;
        _admission = new NbdRequestAdmission(options.MaxRequestsInFlightPerConnection, options.MaxBytesInFlightPerConnection);
        _transport = new NbdSocketTransport(socket);
        _sender = CreateSender(_transport);
        _reader = CreateReader(new NetworkStream(socket, ownsSocket: false));
    }

    public long Id { get; }

    public string Remote { get; }

    /// <summary>Finishes the requests already read, sends their replies, then closes.</summary>
    public void BeginStop()
    {
        _stopping = true;
        _reader.CancelPendingRead();
    }

    /// <summary>Closes the connection now; requests still running see their cancellation token fire.</summary>
    public void Abort()
    {
        _stopping = true;
        try
        {
            _aborted.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }

        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }

    public async Task RunAsync()
    {
        NbdServerLog.ConnectionAccepted(_logger, Id, Remote);
        try
        {
            if (await HandshakeAsync().ConfigureAwait(false))
            {
                await ReadRequestsAsync().ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            if (!_stopping)
            {
                NbdServerLog.TransportError(_logger, ex, Id, Remote);
            }

            Abort();
        }
        catch (Exception ex)
        {
            NbdServerLog.ConnectionFailed(_logger, ex, Id, Remote);
            Abort();
        }
        finally
        {
            await _sender.FlushAsync().ConfigureAwait(false);
            await _admission.DrainAsync().ConfigureAwait(false);
            await _reader.CompleteAsync().ConfigureAwait(false);
            try
            {
                _socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
            }

            _socket.Dispose();
            _aborted.Dispose();
            NbdServerLog.ConnectionClosed(_logger, Id, Remote, _requests);
        }
    }

    private async Task<bool> HandshakeAsync()
    {
        var handshake = new NbdServerHandshake(_reader, SendDirectAsync, _exports, _options, IsClientAllowed(), _tls is null ? null : StartTlsAsync);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_aborted.Token);
        timeout.CancelAfter(_options.HandshakeTimeout);
        try
        {
            _session = await handshake.RunAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!_aborted.IsCancellationRequested)
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

    private bool IsClientAllowed()
    {
        bool allowed;
        try
        {
            allowed = _options.AcceptClient?.Invoke(_socket) ?? true;
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

    private ValueTask SendDirectAsync(ReadOnlyMemory<byte> data) => _transport.SendAsync(data, _aborted.Token);

    /// <summary>Runs the TLS handshake on the socket; from then on the connection reads and writes through TLS.</summary>
    private async ValueTask<PipeReader?> StartTlsAsync(CancellationToken cancellationToken)
    {
        // The plain reader holds nothing (the handshake checked); completing it leaves the socket open.
        await _reader.CompleteAsync().ConfigureAwait(false);
        try
        {
            var stream = await _tls!.AuthenticateAsync(new NetworkStream(_socket, ownsSocket: false), cancellationToken).ConfigureAwait(false);
            _transport = new NbdTlsTransport(stream);
            _sender = CreateSender(_transport);
            _reader = CreateReader(stream);
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException)
        {
            NbdServerLog.TlsFailed(_logger, Id, Remote, ex.InnerException is { } inner ? $"{ex.Message} {inner.Message}" : ex.Message);
            _reader = CreateReader(Stream.Null);
            return null;
        }

        return _reader;
    }

    private NbdReplySender CreateSender(NbdTransport transport) => new(transport, reply => _admission.Release(reply.AdmittedBytes), OnSendFailed);

    private PipeReader CreateReader(Stream stream) =>
        PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: _options.ReceiveBufferSize, minimumReadSize: _options.ReceiveBufferSize / 4));

    private async Task ReadRequestsAsync()
    {
        var session = _session!;
        while (true)
        {
            var result = await _reader.ReadAsync().ConfigureAwait(false);
            if (result.IsCanceled || _stopping)
            {
                return;
            }

            var buffer = result.Buffer;
            var keepReading = true;
            try
            {
                while (keepReading)
                {
                    if (!TryReadHeader(buffer, out var magic, out var request))
                    {
                        break;
                    }

                    if (magic != NbdMagic.Request)
                    {
                        NbdServerLog.ProtocolViolation(_logger, Id, Remote, $"a request has magic 0x{magic:x8}");
                        keepReading = false;
                        break;
                    }

                    if (request.Command == NbdCommand.Disc)
                    {
                        buffer = buffer.Slice(NbdWire.RequestHeaderSize);
                        keepReading = false;
                        break;
                    }

                    var payloadLength = request.Command == NbdCommand.Write ? request.Length : 0;
                    if (payloadLength > _options.MaxPayload)
                    {
                        // A payload too large to accept cannot be skipped safely either: the protocol allows a hard disconnect.
                        NbdServerLog.ProtocolViolation(_logger, Id, Remote, $"a write of {payloadLength} bytes exceeds the {_options.MaxPayload}-byte maximum payload");
                        keepReading = false;
                        break;
                    }

                    if (buffer.Length - NbdWire.RequestHeaderSize < payloadLength)
                    {
                        break;
                    }

                    long admitted = request.Command is NbdCommand.Read or NbdCommand.Write ? request.Length : 0;
                    if (!_admission.TryEnter(admitted))
                    {
                        // Replies waiting to be sent hold admission too: send them before waiting.
                        await _sender.FlushAsync().ConfigureAwait(false);
                        await _admission.EnterAsync(admitted, _aborted.Token).ConfigureAwait(false);
                    }

                    _requests++;
                    byte[]? payload = null;
                    if (payloadLength > 0)
                    {
                        payload = ArrayPool<byte>.Shared.Rent((int)payloadLength);
                        buffer.Slice(NbdWire.RequestHeaderSize, payloadLength).CopyTo(payload);
                    }

                    buffer = buffer.Slice(NbdWire.RequestHeaderSize + payloadLength);
                    Dispatch(session, request, payload, admitted);
                }

                await _sender.FlushAsync().ConfigureAwait(false);
            }
            finally
            {
                _reader.AdvanceTo(buffer.Start, buffer.End);
            }

            if (!keepReading)
            {
                return;
            }

            if (result.IsCompleted)
            {
                if (!buffer.IsEmpty)
                {
                    NbdServerLog.ProtocolViolation(_logger, Id, Remote, "the client closed the connection in the middle of a request");
                }

                return;
            }
        }
    }

    private static bool TryReadHeader(in ReadOnlySequence<byte> buffer, out uint magic, out NbdRequestHeader request)
    {
        var reader = new SequenceReader<byte>(buffer);
        return NbdRequestHeader.TryRead(ref reader, out magic, out request);
    }

    private void Dispatch(NbdSession session, in NbdRequestHeader request, byte[]? payload, long admitted)
    {
        var error = NbdRequestValidation.Check(request, session, _options.MaxPayload, out var reason);
        if (error != NbdError.None)
        {
            ReturnPayload(payload);
            NbdServerLog.RequestRefused(_logger, request.Command, Id, error, reason);
            _sender.Enqueue(NbdReplies.Error(session.StructuredReplies, request.Cookie, error, reason, admitted));
            return;
        }

        var execution = ExecuteAsync(session, request, payload, admitted);
        if (execution.IsCompleted)
        {
            _sender.Enqueue(execution.Result);
        }
        else
        {
            _ = PostLaterAsync(execution);
        }
    }

    private async Task PostLaterAsync(ValueTask<NbdOutgoingReply> execution) => _sender.Post(await execution.ConfigureAwait(false));

    /// <summary>Runs one valid request; never throws: a device failure becomes NBD_EIO and a log line.</summary>
    private async ValueTask<NbdOutgoingReply> ExecuteAsync(NbdSession session, NbdRequestHeader request, byte[]? payload, long admitted)
    {
        var device = session.Device;
        var token = _aborted.Token;
        var offset = (long)request.Offset;
        var fua = (request.Flags & NbdCommandFlags.Fua) != 0;
        var receivedAt = Stopwatch.GetTimestamp();
        long moved = 0;
        NbdOutgoingReply? reply = null;
        try
        {
            switch (request.Command)
            {
                case NbdCommand.Read:
                    reply = NbdReplies.ForRead(session.StructuredReplies, request, admitted);
                    if (request.Length > 0)
                    {
                        await device.ReadAsync(offset, reply.Buffer.AsMemory(NbdReplies.ReadDataOffset(session.StructuredReplies), (int)request.Length), token).ConfigureAwait(false);
                        moved = request.Length;
                    }

                    return reply;
                case NbdCommand.Write:
                    await device.WriteAsync(offset, payload.AsMemory(0, (int)request.Length), fua, token).ConfigureAwait(false);
                    moved = request.Length;
                    break;
                case NbdCommand.Flush:
                    await device.FlushAsync(token).ConfigureAwait(false);
                    break;
                case NbdCommand.Trim:
                    await device.TrimAsync(offset, request.Length, token).ConfigureAwait(false);
                    if (fua)
                    {
                        await device.FlushAsync(token).ConfigureAwait(false);
                    }

                    break;
                case NbdCommand.WriteZeroes:
                    var mayPunchHole = (request.Flags & NbdCommandFlags.NoHole) == 0;
                    await device.WriteZeroesAsync(offset, request.Length, mayPunchHole, token).ConfigureAwait(false);
                    if (fua)
                    {
                        await device.FlushAsync(token).ConfigureAwait(false);
                    }

                    break;
                case NbdCommand.BlockStatus:
                    return await BlockStatusAsync(session, request, admitted, token).ConfigureAwait(false);
            }

            return NbdReplies.Done(request.Cookie, admitted);
        }
        catch (Exception ex) when (token.IsCancellationRequested && ex is OperationCanceledException)
        {
            reply?.Return();
            return NbdReplies.Error(session.StructuredReplies, request.Cookie, NbdError.Shutdown, "the server is closing the connection", admitted);
        }
        catch (Exception ex)
        {
            reply?.Return();
            NbdServerLog.DeviceFailed(_logger, ex, session.ExportName, request.Command, request.Length, request.Offset, Id);
            return NbdReplies.Error(session.StructuredReplies, request.Cookie, NbdError.Io, "input/output error", admitted);
        }
        finally
        {
            ReturnPayload(payload);
            NbdMetrics.Record(request.Command, receivedAt, moved);
        }
    }

    private async ValueTask<NbdOutgoingReply> BlockStatusAsync(NbdSession session, NbdRequestHeader request, long admitted, CancellationToken token)
    {
        var reqOne = (request.Flags & NbdCommandFlags.ReqOne) != 0;
        var maxExtents = reqOne ? 1 : _options.MaxExtentsPerReply;
        var offset = (long)request.Offset;
        var end = offset + request.Length;
        var found = new List<NbdExtent>();
        if (request.Length > 0)
        {
            await session.Device.GetAllocationAsync(offset, request.Length, maxExtents, found, token).ConfigureAwait(false);
        }

        // Clip to the request, so every length fits the wire's 32 bits, and check the device kept its contract.
        var extents = new List<NbdExtent>(Math.Min(found.Count, maxExtents));
        var position = offset;
        foreach (var extent in found)
        {
            if (extents.Count == maxExtents || position >= end)
            {
                break;
            }

            if (extent.Offset != position || extent.Length <= 0)
            {
                throw new InvalidOperationException($"The device's allocation extents are not consecutive from {offset}: got [{extent.Offset}, +{extent.Length}) at {position}.");
            }

            var length = Math.Min(extent.End, end) - position;
            extents.Add(extent with { Length = length });
            position += length;
        }

        if (extents.Count == 0)
        {
            // A zero-length query, or a device that said nothing: one extent with no claims is always true.
            extents.Add(new NbdExtent(offset, Math.Max(request.Length, 1), 0));
        }

        return NbdReplies.BlockStatus(request.Cookie, session.AllocationContextId!.Value, extents, admitted);
    }

    private static void ReturnPayload(byte[]? payload)
    {
        if (payload is not null)
        {
            ArrayPool<byte>.Shared.Return(payload);
        }
    }

    private void OnSendFailed(Exception exception)
    {
        if (!_stopping)
        {
            NbdServerLog.TransportError(_logger, exception, Id, Remote);
        }

        Abort();
    }
}
