using System.IO.Pipelines;
using System.Net.Sockets;
using Lifeboat.Nbd.Protocol;

namespace Lifeboat.Nbd.Client;

/// <summary>
/// One NBD connection in transmission, from the end of the handshake to its close: sends requests, runs the loop
/// that receives their replies, and ends. A request the server refuses fails alone; a broken connection or a
/// server that breaks the protocol fails every request in flight and every one after.
/// </summary>
internal sealed class NbdClientConnection : IAsyncDisposable
{
    private static readonly TimeSpan DisconnectTimeout = TimeSpan.FromSeconds(5);

    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly string _exportName;
    private readonly NbdRequestWriter _requests;
    private readonly NbdInFlightRequests _inFlight;
    private readonly Task _receiveLoop;
    private volatile Exception? _failure;
    private int _disposed;

    public NbdClientConnection(Socket socket, Stream stream, string exportName, bool structuredReplies, int maxInFlight)
    {
        _socket = socket;
        _stream = stream;
        _exportName = exportName;
        _requests = new NbdRequestWriter(stream);
        _inFlight = new NbdInFlightRequests(maxInFlight);
        _receiveLoop = Task.Run(() => ReceiveLoopAsync(structuredReplies));
    }

    /// <summary>Sends one request and waits for its reply; a refused request throws here.</summary>
    public async ValueTask<NbdPendingRequest> SendAsync(NbdCommand command, NbdCommandFlags flags, long offset, uint length, Memory<byte> destination, ReadOnlyMemory<byte> data, uint contextId, CancellationToken cancellationToken)
    {
        ThrowIfUnusable();
        var pending = new NbdPendingRequest(command, offset, length, destination, contextId);
        var cookie = await _inFlight.AddAsync(pending, cancellationToken).ConfigureAwait(false);
        if (_failure is not null && _inFlight.TryWithdraw(cookie))
        {
            // The receive loop ended after the check above and will not fail this request for us.
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

    /// <summary>Throws when the client was disposed or its connection ended.</summary>
    public void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, typeof(NbdClient));
        if (_failure is { } failure)
        {
            throw new NbdException($"{failure.Message} Open a new client.", _exportName, innerException: failure);
        }
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

        Shutdown();
        _socket.Dispose();
        await _receiveLoop.ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
    }

    private async Task ReceiveLoopAsync(bool structuredReplies)
    {
        var reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 256 * 1024, minimumReadSize: 64 * 1024, leaveOpen: true));
        var receiver = new NbdReplyReceiver(_inFlight.ByCookie, structuredReplies, _inFlight.Finish);
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
        _inFlight.FailAll(pending =>
            new NbdException($"{failure.Message} ({pending.Command} at offset {pending.Offset} was in flight.)", _exportName, offset: pending.Offset, innerException: failure));
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
}
