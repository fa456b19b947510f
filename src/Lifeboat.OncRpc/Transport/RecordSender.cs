using System.Collections.Concurrent;
using System.Net.Sockets;

namespace Lifeboat.OncRpc.Transport;

/// <summary>
/// The single writer of a connection. Records are queued from any thread; whoever finds the socket idle sends
/// everything queued in one gathered write, so records completed while a send is in progress leave together in
/// the next one instead of one system call each. Each record is disposed once sent, or once sending failed.
/// </summary>
internal sealed class RecordSender
{
    private readonly Socket _socket;
    private readonly Action<RecordBuffer> _onDone;
    private readonly Action<Exception> _onFailure;
    private readonly ConcurrentQueue<RecordBuffer> _queue = new();
    private readonly List<RecordBuffer> _batch = [];
    private readonly List<ArraySegment<byte>> _segments = [];
    private int _sending;
    private volatile bool _failed;

    /// <param name="onDone">Called for every record after it was sent or dropped, before it is disposed.</param>
    /// <param name="onFailure">Called once when a send fails; later records are dropped.</param>
    public RecordSender(Socket socket, Action<RecordBuffer> onDone, Action<Exception> onFailure)
    {
        _socket = socket;
        _onDone = onDone;
        _onFailure = onFailure;
    }

    /// <summary>Queues a sealed record without sending it yet; <see cref="FlushAsync"/> sends it.</summary>
    public void Enqueue(RecordBuffer record) => _queue.Enqueue(record);

    /// <summary>Queues a sealed record and starts sending unless a send is already in progress (which will take it).</summary>
    public void Post(RecordBuffer record)
    {
        _queue.Enqueue(record);
        _ = FlushAsync();
    }

    /// <summary>
    /// Sends the queued records unless another caller is already sending (it will send them too). Completes when
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
                    while (_batch.Count < 64 && _queue.TryDequeue(out var next))
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

            // A record queued after the last dequeue but before the flag was cleared is sent by the next pass.
        }
    }

    private async Task SendBatchAsync()
    {
        try
        {
            if (!_failed)
            {
                if (_batch.Count == 1)
                {
                    await SendAsync(_batch[0].Record).ConfigureAwait(false);
                }
                else
                {
                    await SendGatheredAsync().ConfigureAwait(false);
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
            foreach (var record in _batch)
            {
                _onDone(record);
                record.Dispose();
            }

            _batch.Clear();
        }
    }

    private async Task SendGatheredAsync()
    {
        _segments.Clear();
        long total = 0;
        foreach (var record in _batch)
        {
            _segments.Add(record.Record);
            total += record.Record.Count;
        }

        long sent = await _socket.SendAsync(_segments, SocketFlags.None).ConfigureAwait(false);
        if (sent == total)
        {
            return;
        }

        // A partial gathered send: finish segment by segment.
        foreach (var segment in _segments)
        {
            if (sent >= segment.Count)
            {
                sent -= segment.Count;
                continue;
            }

            await SendAsync(segment.Slice((int)sent)).ConfigureAwait(false);
            sent = 0;
        }
    }

    private async Task SendAsync(ReadOnlyMemory<byte> data)
    {
        while (!data.IsEmpty)
        {
            var sent = await _socket.SendAsync(data, SocketFlags.None).ConfigureAwait(false);
            data = data[sent..];
        }
    }
}
