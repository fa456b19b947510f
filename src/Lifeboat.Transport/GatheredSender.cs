using System.Collections.Concurrent;
using System.Net.Sockets;

namespace Lifeboat.Transport;

/// <summary>
/// The single writer of a connection. Frames are queued from any thread; whoever finds the output idle sends
/// everything queued in one gathered write, so frames completed while a send is in progress leave together in the
/// next one instead of one system call each. Each frame is handed to the done callback and released once sent, or
/// once sending failed.
/// </summary>
public sealed class GatheredSender<TFrame>
    where TFrame : class, IOutgoingFrame
{
    private const int MaxBatch = 64;

    private readonly ConnectionOutput _output;
    private readonly Action<TFrame> _onDone;
    private readonly Action<Exception> _onFailure;
    private readonly ConcurrentQueue<TFrame> _queue = new();
    private readonly List<TFrame> _batch = [];
    private readonly List<ArraySegment<byte>> _segments = [];
    private int _sending;
    private volatile bool _failed;

    /// <param name="onDone">Called for every frame after it was sent or dropped, before it is released.</param>
    /// <param name="onFailure">Called once when a send fails; later frames are dropped.</param>
    public GatheredSender(ConnectionOutput output, Action<TFrame> onDone, Action<Exception> onFailure)
    {
        _output = output;
        _onDone = onDone;
        _onFailure = onFailure;
    }

    /// <summary>Queues a frame without sending it yet; <see cref="FlushAsync"/> sends it.</summary>
    public void Enqueue(TFrame frame) => _queue.Enqueue(frame);

    /// <summary>Queues a frame and starts sending unless a send is already in progress (which will take it).</summary>
    public void Post(TFrame frame)
    {
        _queue.Enqueue(frame);
        _ = FlushAsync();
    }

    /// <summary>
    /// Sends the queued frames unless another caller is already sending (it will send them too). Completes when
    /// this caller's sends are done; never throws: failures go to the failure callback.
    /// </summary>
    public async Task FlushAsync()
    {
        while (!_queue.IsEmpty)
        {
            if (Interlocked.CompareExchange(ref _sending, 1, 0) != 0)
            {
                return;
            }

            try
            {
                while (_queue.TryDequeue(out var first))
                {
                    _batch.Add(first);
                    while (_batch.Count < MaxBatch && _queue.TryDequeue(out var next))
                    {
                        _batch.Add(next);
                    }

                    await SendBatchAsync().ConfigureAwait(false);
                }
            }
            finally
            {
                Volatile.Write(ref _sending, 0);
            }

            // A frame queued after the last dequeue but before the flag was cleared is sent by the next pass.
        }
    }

    private async Task SendBatchAsync()
    {
        try
        {
            if (!_failed)
            {
                _segments.Clear();
                long total = 0;
                foreach (var frame in _batch)
                {
                    var bytes = frame.Bytes;
                    if (bytes.Count > 0)
                    {
                        _segments.Add(bytes);
                        total += bytes.Count;
                    }
                }

                if (_segments.Count == 1)
                {
                    await _output.SendAsync(_segments[0]).ConfigureAwait(false);
                }
                else if (_segments.Count > 1)
                {
                    await _output.SendAsync(_segments, total).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or IOException or InvalidOperationException)
        {
            _failed = true;
            _onFailure(ex);
        }
        finally
        {
            foreach (var frame in _batch)
            {
                _onDone(frame);
                frame.Release();
            }

            _batch.Clear();
        }
    }
}
