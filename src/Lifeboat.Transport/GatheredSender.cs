using System.Collections.Concurrent;
using System.Net.Sockets;

namespace Lifeboat.Nbd.Server;

/// <summary>
/// The single writer of a connection. Replies are queued from any thread; whoever finds the transport idle sends
/// everything queued in one gathered write, so replies completed while a send is in progress leave together.
/// Each reply is handed to the done callback once sent, or once sending failed.
/// </summary>
internal sealed class NbdReplySender
{
    private const int MaxBatch = 64;

    private readonly NbdTransport _transport;
    private readonly Action<NbdOutgoingReply> _onDone;
    private readonly Action<Exception> _onFailure;
    private readonly ConcurrentQueue<NbdOutgoingReply> _queue = new();
    private readonly List<NbdOutgoingReply> _batch = [];
    private readonly List<ArraySegment<byte>> _segments = [];
    private int _sending;
    private volatile bool _failed;

    public NbdReplySender(NbdTransport transport, Action<NbdOutgoingReply> onDone, Action<Exception> onFailure)
    {
        _transport = transport;
        _onDone = onDone;
        _onFailure = onFailure;
    }

    /// <summary>Queues a reply for the next <see cref="FlushAsync"/>.</summary>
    public void Enqueue(NbdOutgoingReply reply) => _queue.Enqueue(reply);

    /// <summary>Queues a reply and starts sending unless a send is in progress (which will take it).</summary>
    public void Post(NbdOutgoingReply reply)
    {
        _queue.Enqueue(reply);
        _ = FlushAsync();
    }

    /// <summary>Sends the queued replies unless another caller is sending them; never throws.</summary>
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

            // A reply queued after the last dequeue but before the flag was cleared is sent by the next pass.
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
                foreach (var reply in _batch)
                {
                    if (reply.Length > 0)
                    {
                        _segments.Add(reply.Segment);
                        total += reply.Length;
                    }
                }

                if (_segments.Count == 1)
                {
                    await _transport.SendAsync(_segments[0]).ConfigureAwait(false);
                }
                else if (_segments.Count > 1)
                {
                    await _transport.SendAsync(_segments, total).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or IOException)
        {
            _failed = true;
            _onFailure(ex);
        }
        finally
        {
            foreach (var reply in _batch)
            {
                _onDone(reply);
                reply.Return();
            }

            _batch.Clear();
        }
    }
}
