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

    private readonly NbdClientConnection _connection;
    private readonly string _exportName;
    private readonly NbdNegotiatedExport _export;
    private readonly Dictionary<string, uint> _contextIds;
    private readonly int _maxRequestLength;

    private NbdClient(Socket socket, Stream stream, string exportName, NbdNegotiatedExport export, NbdClientOptions options)
    {
        _exportName = exportName;
        _export = export;
        _contextIds = export.MetaContexts.ToDictionary(c => c.Value, c => c.Key, StringComparer.Ordinal);
        MetaContexts = [.. export.MetaContexts.Values];
        var serverMaximum = export.MaximumPayload == 0 ? NbdLimits.MaxPayload : (int)Math.Min(export.MaximumPayload, NbdLimits.MaxPayload);
        _maxRequestLength = AlignDown(Math.Min(options.MaxRequestLength, serverMaximum), export.MinimumBlockSize);
        _connection = new NbdClientConnection(socket, stream, exportName, export.StructuredReplies, options.MaxInFlight);
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

        return NbdRequestSplitter.SplitAsync(offset, length, MaxBlockStatusLength, (o, _, l, token) =>
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
            return NbdRequestSplitter.SplitAsync(offset, length, MaxBlockStatusLength, (o, _, l, token) =>
                SendAsync(NbdCommand.WriteZeroes, NbdCommandFlags.None, o, (uint)l, default, default, 0, token), cancellationToken);
        }

        var zeroes = new byte[Math.Min(length, _maxRequestLength)];
        return NbdRequestSplitter.SplitAsync(offset, length, (uint)zeroes.Length, (o, _, l, token) =>
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
        var runs = new NbdExtentRuns(offset, length);
        while (!runs.Covered)
        {
            var request = (uint)Math.Min(runs.End - runs.Position, MaxBlockStatusLength);
            var pending = await _connection.SendAsync(NbdCommand.BlockStatus, NbdCommandFlags.None, runs.Position, request, default, default, contextId, cancellationToken).ConfigureAwait(false);
            if (pending.Extents is not { Count: > 0 } reply)
            {
                throw new NbdException($"The NBD server sent no '{metaContext}' extents for export '{_exportName}' at offset {runs.Position}.", _exportName, offset: runs.Position);
            }

            runs.Add(reply);
        }

        return runs.Extents;
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();

    private async ValueTask SendAsync(NbdCommand command, NbdCommandFlags flags, long offset, uint length, Memory<byte> destination, ReadOnlyMemory<byte> data, uint contextId, CancellationToken cancellationToken)
    {
        await _connection.SendAsync(command, flags, offset, length, destination, data, contextId, cancellationToken).ConfigureAwait(false);
    }

    private ValueTask SplitAsync(long offset, long length, Func<long, int, int, CancellationToken, ValueTask> send, CancellationToken cancellationToken) =>
        NbdRequestSplitter.SplitAsync(offset, length, (uint)_maxRequestLength, (o, s, l, t) => send(o, (int)s, (int)l, t), cancellationToken);

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

    private void ThrowIfUnusable() => _connection.ThrowIfUnusable();

    private static int AlignDown(int value, uint alignment) => alignment <= 1 ? value : (int)(value - (value % alignment));
}
