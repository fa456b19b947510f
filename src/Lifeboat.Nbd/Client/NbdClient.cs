using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Lifeboat.Nbd.Protocol;

namespace Lifeboat.Nbd.Client;

/// <summary>
/// An NBD client over one TCP or unix socket connection, in the clear or over TLS (NBD_OPT_STARTTLS): requests are pipelined (up to
/// <see cref="NbdClientOptions.MaxInFlight"/>), each matched to its reply by cookie, so replies may come back in
/// any order. Reads and writes larger than the server's maximum payload are split. A request the server refuses
/// fails alone with an <see cref="NbdException"/>; a server that breaks the protocol fails every request and the
/// client with it.
/// </summary>
public sealed class NbdClient : IAsyncDisposable
{
    private const uint MaxBlockStatusLength = 1u << 31;
    private static readonly TimeSpan DisconnectTimeout = TimeSpan.FromSeconds(5);

    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly string _exportName;
    private readonly NbdNegotiatedExport _export;
    private readonly Dictionary<string, uint> _contextIds;
    private readonly SemaphoreSlim _slots;
    private readonly NbdRequestWriter _requests;
    private readonly ConcurrentDictionary<ulong, NbdPendingRequest> _pending = new();
    private readonly int _maxRequestLength;
    private readonly Task _receiveLoop;
    private volatile Exception? _failure;
    private long _nextCookie;
    private int _disposed;

    private NbdClient(Socket socket, Stream stream, string exportName, NbdNegotiatedExport export, NbdClientOptions options)
    {
        _socket = socket;
        _stream = stream;
        _requests = new NbdRequestWriter(stream);
        _exportName = exportName;
        _export = export;
        _contextIds = export.MetaContexts.ToDictionary(c => c.Value, c => c.Key, StringComparer.Ordinal);
        MetaContexts = [.. export.MetaContexts.Values];
        _slots = new SemaphoreSlim(options.MaxInFlight, options.MaxInFlight);
        var serverMaximum = export.MaximumPayload == 0 ? NbdLimits.MaxPayload : (int)Math.Min(export.MaximumPayload, NbdLimits.MaxPayload);
        _maxRequestLength = AlignDown(Math.Min(options.MaxRequestLength, serverMaximum), export.MinimumBlockSize);
        _receiveLoop = Task.Run(ReceiveLoopAsync);
    }

    public long Size => _export.Size;

    /// <summary>The metadata contexts the server agreed to, usable with <see cref="BlockStatusAsync"/>.</summary>
    public IReadOnlyList<string> MetaContexts { get; }

    public string ExportName => _exportName;

    public bool IsReadOnly => (_export.Flags & NbdTransmissionFlags.ReadOnly) != 0;

    /// <summary>Connects, negotiates structured replies and the asked-for metadata contexts, and enters transmission.</summary>
    public static async Task<NbdClient> ConnectAsync(EndPoint endPoint, string exportName, NbdClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        ArgumentNullException.ThrowIfNull(exportName);
        options ??= new NbdClientOptions();
        options.Validate();
        (NbdClientTlsOptions, string)? tls = options.Tls is { } asked ? (asked, NbdClientTls.ServerName(asked, endPoint)) : null;
        var socket = await NbdClientSocket.OpenAsync(endPoint, cancellationToken).ConfigureAwait(false);
        var stream = new NetworkStream(socket, ownsSocket: false);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.HandshakeTimeout);
            var (export, transport) = await NbdClientHandshake.NegotiateAsync(stream, exportName, options.MetaContexts, tls, timeout.Token).ConfigureAwait(false);
            return new NbdClient(socket, transport, exportName, export, options);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            socket.Dispose();
            if (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                throw new NbdException($"The NBD handshake for export '{exportName}' at {endPoint} timed out.", exportName, innerException: ex);
            }

            throw;
        }
    }

    /// <summary>The names of the server's exports (NBD_OPT_LIST), then a soft disconnect.</summary>
    public static async Task<IReadOnlyList<string>> ListExportsAsync(EndPoint endPoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        using var socket = await NbdClientSocket.OpenAsync(endPoint, cancellationToken).ConfigureAwait(false);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        return await NbdClientHandshake.ListAsync(stream, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        CheckRange(offset, destination.Length, "read");
        if (destination.Length <= _maxRequestLength)
        {
            return destination.IsEmpty ? ValueTask.CompletedTask : SendAsync(NbdCommand.Read, NbdCommandFlags.None, offset, (uint)destination.Length, destination, default, 0, cancellationToken);
        }

        return SplitAsync(offset, destination.Length, (o, start, length, token) =>
            SendAsync(NbdCommand.Read, NbdCommandFlags.None, o, (uint)length, destination.Slice(start, length), default, 0, token), cancellationToken);
    }

    public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, bool fua = false, CancellationToken cancellationToken = default)
    {
        CheckWritable(offset);
        CheckRange(offset, data.Length, "write");
        if (data.IsEmpty)
        {
            return ValueTask.CompletedTask;
        }

        var sendFua = fua && (_export.Flags & NbdTransmissionFlags.SendFua) != 0;
        var flags = sendFua ? NbdCommandFlags.Fua : NbdCommandFlags.None;
        var write = data.Length <= _maxRequestLength
            ? SendAsync(NbdCommand.Write, flags, offset, (uint)data.Length, default, data, 0, cancellationToken)
            : SplitAsync(offset, data.Length, (o, start, length, token) =>
                SendAsync(NbdCommand.Write, flags, o, (uint)length, default, data.Slice(start, length), 0, token), cancellationToken);
        return fua && !sendFua ? ThenFlushAsync(write, cancellationToken) : write;
    }

    /// <summary>Makes every write answered so far durable; a no-op when the server has no flush (nothing to make durable).</summary>
    public ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfUnusable();
        return (_export.Flags & NbdTransmissionFlags.SendFlush) == 0
            ? ValueTask.CompletedTask
            : SendAsync(NbdCommand.Flush, NbdCommandFlags.None, 0, 0, default, default, 0, cancellationToken);
    }

    /// <summary>Tells the server the range is no longer needed; a no-op when the server does not take trims (they are hints).</summary>
    public ValueTask TrimAsync(long offset, long length, CancellationToken cancellationToken = default)
    {
        CheckWritable(offset);
        CheckRange(offset, length, "trim");
        if ((_export.Flags & NbdTransmissionFlags.SendTrim) == 0 || length == 0)
        {
            return ValueTask.CompletedTask;
        }

        return SplitAsync(offset, length, MaxBlockStatusLength, (o, _, l, token) =>
            SendAsync(NbdCommand.Trim, NbdCommandFlags.None, o, (uint)l, default, default, 0, token), cancellationToken);
    }

    /// <summary>Zeroes the range; written as zero-filled WRITEs when the server has no WRITE_ZEROES.</summary>
    public ValueTask WriteZeroesAsync(long offset, long length, CancellationToken cancellationToken = default)
    {
        CheckWritable(offset);
        CheckRange(offset, length, "write zeroes");
        if (length == 0)
        {
            return ValueTask.CompletedTask;
        }

        if ((_export.Flags & NbdTransmissionFlags.SendWriteZeroes) != 0)
        {
            return SplitAsync(offset, length, MaxBlockStatusLength, (o, _, l, token) =>
                SendAsync(NbdCommand.WriteZeroes, NbdCommandFlags.None, o, (uint)l, default, default, 0, token), cancellationToken);
        }

        var zeroes = new byte[Math.Min(length, _maxRequestLength)];
        return SplitAsync(offset, length, (uint)zeroes.Length, (o, _, l, token) =>
            SendAsync(NbdCommand.Write, NbdCommandFlags.None, o, (uint)l, default, zeroes.AsMemory(0, (int)l), 0, token), cancellationToken);
    }

    /// <summary>
    /// The extents of one agreed metadata context covering [offset, offset + length), in order, clipped to that
    /// range (the server may describe a range in several requests' worth of replies; this asks until it is covered).
    /// </summary>
    public async ValueTask<IReadOnlyList<NbdExtent>> BlockStatusAsync(string metaContext, long offset, long length, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(metaContext);
        if (!_contextIds.TryGetValue(metaContext, out var contextId))
        {
            throw new InvalidOperationException($"The NBD server did not agree to metadata context '{metaContext}' for export '{_exportName}'; agreed: [{string.Join(", ", MetaContexts)}].");
        }

        CheckRange(offset, length, "block status");
        var extents = new List<NbdExtent>();
        var end = offset + length;
        var position = offset;
        while (position < end)
        {
            var request = (uint)Math.Min(end - position, MaxBlockStatusLength);
            var pending = await SendRequestAsync(NbdCommand.BlockStatus, NbdCommandFlags.None, position, request, default, default, contextId, cancellationToken).ConfigureAwait(false);
            if (pending.Extents is not { Count: > 0 } reply)
            {
                throw new NbdException($"The NBD server sent no '{metaContext}' extents for export '{_exportName}' at offset {position}.", _exportName, offset: position);
            }

            foreach (var extent in reply)
            {
                var clipped = Math.Min(extent.End, end) - extent.Offset;
                if (clipped <= 0)
                {
                    break;
                }

                if (extents.Count > 0 && extents[^1].Flags == extent.Flags && extents[^1].End == extent.Offset)
                {
                    extents[^1] = extents[^1] with { Length = extents[^1].Length + clipped };
                }
                else
                {
                    extents.Add(extent with { Length = clipped });
                }

                position = extent.Offset + clipped;
            }
        }

        return extents;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_failure is null)
        {
            // A soft disconnect: the server answers what is in flight, then closes.
            try
            {
                await _requests.SendDisconnectAsync(() => _socket.Shutdown(SocketShutdown.Send)).ConfigureAwait(false);
                await _receiveLoop.WaitAsync(DisconnectTimeout).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or TimeoutException or IOException)
            {
            }
        }

        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }

        _socket.Dispose();
        await _receiveLoop.ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
    }

    private async ValueTask SendAsync(NbdCommand command, NbdCommandFlags flags, long offset, uint length, Memory<byte> destination, ReadOnlyMemory<byte> data, uint contextId, CancellationToken cancellationToken)
    {
        await SendRequestAsync(command, flags, offset, length, destination, data, contextId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends one request and waits for its reply; a refused request throws here.</summary>
    private async ValueTask<NbdPendingRequest> SendRequestAsync(NbdCommand command, NbdCommandFlags flags, long offset, uint length, Memory<byte> destination, ReadOnlyMemory<byte> data, uint contextId, CancellationToken cancellationToken)
    {
        ThrowIfUnusable();
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        var cookie = (ulong)Interlocked.Increment(ref _nextCookie);
        var pending = new NbdPendingRequest(command, offset, length, destination, contextId);
        _pending[cookie] = pending;
        if (_failure is not null && _pending.TryRemove(cookie, out _))
        {
            // The receive loop ended after the check above and will not fail this request for us.
            _slots.Release();
            ThrowIfUnusable();
        }

        using (cancellationToken.UnsafeRegister(static (state, token) => ((NbdPendingRequest)state!).Abandon(token), pending))
        {
            if (!await _requests.SendAsync(new NbdRequestHeader(flags, command, cookie, (ulong)offset, length), data).ConfigureAwait(false))
            {
                // The receive loop sees the broken connection and fails every request, this one included.
                Shutdown();
            }

            await pending.Completion.ConfigureAwait(false);
        }

        if (pending.Error != NbdError.None)
        {
            var detail = pending.ErrorMessage is { Length: > 0 } message ? $": {message}" : "";
            throw new NbdException(
                $"The NBD server refused {command} of {length} bytes at offset {offset} of export '{_exportName}' with {pending.Error}{detail}.",
                _exportName,
                pending.Error,
                offset);
        }

        return pending;
    }

    private async Task ReceiveLoopAsync()
    {
        var reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 256 * 1024, minimumReadSize: 64 * 1024, leaveOpen: true));
        var receiver = new NbdReplyReceiver(_pending, _export.StructuredReplies, Finish);
        Exception failure = new NbdException($"The NBD server closed the connection for export '{_exportName}'.", _exportName);
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                try
                {
                    receiver.Process(ref buffer);
                }
                finally
                {
                    reader.AdvanceTo(buffer.Start, buffer.End);
                }

                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (NbdProtocolViolation ex)
        {
            failure = new NbdException($"The NBD server for export '{_exportName}' broke the protocol: {ex.Message}.", _exportName);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            failure = new NbdException($"The NBD connection for export '{_exportName}' failed: {ex.Message}", _exportName, innerException: ex);
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }

        _failure = failure;
        Shutdown();
        foreach (var cookie in _pending.Keys)
        {
            if (_pending.TryRemove(cookie, out var pending))
            {
                pending.Fail(new NbdException($"{failure.Message} ({pending.Command} at offset {pending.Offset} was in flight.)", _exportName, offset: pending.Offset, innerException: failure));
            }
        }
    }

    private void Finish(ulong cookie, NbdPendingRequest pending)
    {
        if (!_pending.TryRemove(cookie, out _))
        {
            return;
        }

        _slots.Release();
        if (pending.Command == NbdCommand.Read && pending.Error == NbdError.None && pending.Received != pending.Length)
        {
            pending.SetError(NbdError.Io, $"the server ended the reply after {pending.Received} of {pending.Length} bytes");
        }

        pending.Succeed();
    }

    private ValueTask SplitAsync(long offset, long length, Func<long, int, int, CancellationToken, ValueTask> send, CancellationToken cancellationToken) =>
        SplitAsync(offset, length, (uint)_maxRequestLength, (o, s, l, t) => send(o, (int)s, (int)l, t), cancellationToken);

    private static async ValueTask SplitAsync(long offset, long length, uint piece, Func<long, long, long, CancellationToken, ValueTask> send, CancellationToken cancellationToken)
    {
        var tasks = new List<Task>();
        for (long start = 0; start < length; start += piece)
        {
            tasks.Add(send(offset + start, start, Math.Min(piece, length - start), cancellationToken).AsTask());
        }

        await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    /// <summary>FUA for a server without it: the write is durable once a flush after it is answered.</summary>
    private async ValueTask ThenFlushAsync(ValueTask write, CancellationToken cancellationToken)
    {
        await write.ConfigureAwait(false);
        await FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private void CheckRange(long offset, long length, string what)
    {
        ThrowIfUnusable();
        if (offset < 0 || length < 0 || offset > Size - length)
        {
            throw new NbdException($"A {what} of {length} bytes at offset {offset} lies outside export '{_exportName}' of {Size} bytes.", _exportName, NbdError.Inval, offset);
        }
    }

    private void CheckWritable(long offset)
    {
        if (IsReadOnly)
        {
            throw new NbdException($"Export '{_exportName}' is read-only; cannot change it at offset {offset}.", _exportName, NbdError.Perm, offset);
        }
    }

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (_failure is { } failure)
        {
            throw new NbdException($"{failure.Message} Open a new client.", _exportName, innerException: failure);
        }
    }

    private void Shutdown()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }

    private static int AlignDown(int value, uint alignment) => alignment <= 1 ? value : (int)(value - (value % alignment));
}
