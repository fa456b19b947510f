using System.Buffers;
using System.Net.Sockets;
using Lifeboat.Nbd.Protocol;

namespace Lifeboat.Nbd.Client;

/// <summary>
/// Sends the client's requests one whole request at a time (many callers pipeline on one connection): a header, with
/// its write data in the same buffer when that is small, so a small write is one send.
/// </summary>
internal sealed class NbdRequestWriter(Stream stream)
{
    private const int MaxCoalescedWrite = 64 * 1024;

    private readonly SemaphoreSlim _sendLock = new(1, 1);

    /// <summary>False when the connection broke: the caller's receive loop fails every request in flight.</summary>
    public async ValueTask<bool> SendAsync(NbdRequestHeader header, ReadOnlyMemory<byte> data)
    {
        var coalesced = data.Length <= MaxCoalescedWrite;
        var size = NbdWire.RequestHeaderSize + (coalesced ? data.Length : 0);
        var buffer = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            header.Write(buffer);
            if (coalesced)
            {
                data.Span.CopyTo(buffer.AsSpan(NbdWire.RequestHeaderSize));
            }

            await _sendLock.WaitAsync().ConfigureAwait(false);
            try
            {
                // A network stream sends all of it; a TLS stream encrypts it into records first.
                await stream.WriteAsync(buffer.AsMemory(0, size)).ConfigureAwait(false);
                if (!coalesced)
                {
                    await stream.WriteAsync(data).ConfigureAwait(false);
                }
            }
            finally
            {
                _sendLock.Release();
            }

            return true;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or IOException)
        {
            return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>NBD_CMD_DISC after every request sent so far, then <paramref name="thenShutDown"/> under the same lock.</summary>
    public async ValueTask SendDisconnectAsync(Action thenShutDown)
    {
        var disc = new byte[NbdWire.RequestHeaderSize];
        new NbdRequestHeader(NbdCommandFlags.None, NbdCommand.Disc, 0, 0, 0).Write(disc);
        await _sendLock.WaitAsync().ConfigureAwait(false);
        try
        {
            await stream.WriteAsync(disc).ConfigureAwait(false);
            thenShutDown();
        }
        finally
        {
            _sendLock.Release();
        }
    }
}
