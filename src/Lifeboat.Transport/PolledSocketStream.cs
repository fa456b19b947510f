using System.Diagnostics;
using System.Net.Sockets;

namespace Lifeboat.Transport;

/// <summary>
/// The input of a connection whose read loop has a thread of its own: a read waits in poll(2) on that thread and
/// then receives what is there, so a request wakes the loop directly. A socket's asynchronous receive wakes the
/// runtime's event thread, which wakes a thread-pool worker to run the loop: two wakes per request, which nfs-peers
/// measured as most of a warm 4 KiB read's CPU. Reads complete synchronously; sends stay asynchronous.
/// </summary>
internal sealed class PolledSocketStream(Socket socket) : Stream
{
    // How often a wait looks at its cancellation token; stopping also wakes it at once (ConnectionTransport.WakeReader).
    private const int PollMicroseconds = 500_000;

    // A depth-1 client sends its next request a few microseconds after our reply: looking for it that long before
    // sleeping in poll saves the wake of an idle (halted) core. Looking stops after a few misses (a loaded machine, an
    // idle client) and is tried again every so often, so a busy core is not spent on it.
    private static readonly long SpinTicks = Stopwatch.Frequency * 40 / 1_000_000;
    private const int SpinCredit = 4;
    private const int RetrySpinAfter = 256;

    private int _spinCredit = SpinCredit;
    private int _waitsSinceSpin;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        WaitForData(cancellationToken) ? new ValueTask<int>(socket.Receive(buffer.Span, SocketFlags.None)) : ValueTask.FromCanceled<int>(cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer) => WaitForData(CancellationToken.None) ? socket.Receive(buffer, SocketFlags.None) : 0;

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <summary>False when the token fired first.</summary>
    private bool WaitForData(CancellationToken cancellationToken)
    {
        if (SpinForData())
        {
            return true;
        }

        while (!socket.Poll(PollMicroseconds, SelectMode.SelectRead))
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return false;
            }
        }

        return true;
    }

    private bool SpinForData()
    {
        if (_spinCredit == 0)
        {
            if (++_waitsSinceSpin < RetrySpinAfter)
            {
                return false;
            }

            _waitsSinceSpin = 0;
            _spinCredit = 1;
        }

        long until = Stopwatch.GetTimestamp() + SpinTicks;
        do
        {
            if (socket.Available > 0)
            {
                _spinCredit = SpinCredit;
                return true;
            }

            Thread.SpinWait(8);
        }
        while (Stopwatch.GetTimestamp() < until);

        _spinCredit--;
        return false;
    }
}
