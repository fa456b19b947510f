using System.Buffers;
using System.Collections.Concurrent;
using Lifeboat.OncRpc.Peers;
using Lifeboat.OncRpc.RecordMarking;
using Lifeboat.OncRpc.Transport;
using Lifeboat.Transport;
using Microsoft.Extensions.Logging;

namespace Lifeboat.OncRpc.Server;

/// <summary>
/// The RPC protocol handler of one stream connection (TCP, a unix socket, or a pipe in memory) on a
/// <see cref="FramedConnection{TFrame, TReply}"/>. A lone call runs inline on the read loop, which saves a thread
/// switch; when another whole call is already buffered behind it, the call is queued and thread-pool runners share
/// the queue with the loop, so calls pipelined on one connection use every core. A call whose procedure goes
/// asynchronous (a cold read decoding off the loop) posts its reply when done, and the loop reads on meanwhile.
/// </summary>
internal sealed class RpcConnection : IServedConnection, IConnectionProtocol<MarkedRecord>
{
    private readonly FramedConnection<MarkedRecord, RecordBuffer> _connection;
    private readonly RecordMarkingReader _framing;
    private readonly RpcDispatcher _dispatcher;
    private readonly Func<RpcPeer> _identify;
    private readonly ILogger _logger;
    private readonly ConcurrentQueue<PendingCall> _pipelined = new();
    private readonly PipelinedCallRunner _runner;
    // With the read loop, one call per core: more runners measured no faster cold and split warm replies into more writes.
    private readonly int _maxRunners = Environment.ProcessorCount - 1;
    private int _runners;
    private (SequencePosition Start, MarkedRecord Record)? _next;

    /// <param name="identify">Who is at the other end; asked once, on the connection's own task.</param>
    public RpcConnection(long id, ConnectionTransport transport, RpcDispatcher dispatcher, RpcServerOptions options, Func<RpcPeer> identify, ILogger logger)
    {
        _dispatcher = dispatcher;
        _identify = identify;
        _logger = logger;
        _framing = new RecordMarkingReader(options.MaxRecordSize, options.MaxFragmentsPerRecord);
        _connection = new FramedConnection<MarkedRecord, RecordBuffer>(
            id,
            "ONC RPC",
            transport,
            new FrameAdmission(options.MaxCallsInFlightPerConnection, options.MaxBytesInFlightPerConnection),
            logger);
        _runner = new PipelinedCallRunner(this);
    }

    public long Id => _connection.Id;

    /// <summary>What the connection holds in flight, for tests that probe its caps.</summary>
    internal FrameAdmission Admission => _connection.Admission;

    public string Remote => _connection.Remote;

    /// <summary>Who is at the other end: decided once, when <see cref="RunAsync"/> starts.</summary>
    public RpcPeer Peer { get; private set; } = null!;

    public void BeginStop() => _connection.BeginStop();

    public void Abort() => _connection.Abort();

    public Task RunAsync() => _connection.RunAsync(this);

    public ValueTask<bool> StartAsync()
    {
        try
        {
            // On the connection's own task: a look-up in /proc must not hold up the accepts.
            Peer = _identify();
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            RpcServerLog.PeerGone(_logger, Id);
            return ValueTask.FromResult(false);
        }

        _connection.Remote = Peer.ToString();
        RpcServerLog.ConnectionAccepted(_logger, Id, Peer);
        return ValueTask.FromResult(true);
    }

    public void Closed()
    {
        if (Peer is not null)
        {
            RpcServerLog.ConnectionClosed(_logger, Id, Peer, _connection.Frames);
        }
    }

    public FrameStatus TryParse(ref ReadOnlySequence<byte> buffer, out MarkedRecord record, out bool anotherFollows)
    {
        anotherFollows = false;
        if (_next is { } next && next.Start.Equals(buffer.Start))
        {
            // The record was found when the previous one asked what follows it: no second scan.
            record = next.Record;
            buffer = buffer.Slice(record.Framed.End);
        }
        else
        {
            var status = _framing.TryReadRecord(ref buffer, out record);
            if (status == RecordMarkingStatus.NeedMoreData)
            {
                _next = null;
                return FrameStatus.Incomplete;
            }

            if (status == RecordMarkingStatus.TooLarge)
            {
                RpcServerLog.RecordTooLarge(_logger, Id, Peer, _framing.MaxRecordSize, _framing.MaxFragmentsPerRecord);
                return FrameStatus.Close;
            }
        }

        var behind = buffer;
        anotherFollows = _framing.TryReadRecord(ref behind, out var following) == RecordMarkingStatus.Complete;
        _next = anotherFollows ? (buffer.Start, following) : null;
        return FrameStatus.Complete;
    }

    public long AdmittedBytes(in MarkedRecord frame) => frame.Length;

    /// <summary>Copies the record out of the receive buffer and answers or dispatches it; false closes the connection.</summary>
    public bool Dispatch(in MarkedRecord frame, bool anotherFollows)
    {
        var length = frame.Length;
        var message = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        frame.CopyTo(message);
        if (!_dispatcher.TryAdmit(message, length, Peer, Id, out var call, out var refusal))
        {
            if (refusal is null)
            {
                _connection.Admission.Release(length);
                RpcServerLog.MalformedCall(_logger, Id, Peer);
                return false;
            }

            _connection.Sender.Enqueue(refusal);
            return true;
        }

        if (anotherFollows && _maxRunners > 0)
        {
            _pipelined.Enqueue(call);
            if (Interlocked.Increment(ref _runners) <= _maxRunners)
            {
                ThreadPool.UnsafeQueueUserWorkItem(_runner, preferLocal: false);
            }
            else
            {
                Interlocked.Decrement(ref _runners);
            }
        }
        else
        {
            Run(call);
        }

        return true;
    }

    /// <summary>Runs the calls queued for this loop; their replies join the next flush.</summary>
    public void EndOfBatch()
    {
        // Positions of a buffer that is about to be advanced past must not match a later one.
        _next = null;
        RunPipelinedCalls();
    }

    public void Truncated() => RpcServerLog.TruncatedRecord(_logger, Id, Peer);

    private void RunPipelinedCalls()
    {
        while (_pipelined.TryDequeue(out var call))
        {
            Run(call);
        }
    }

    /// <summary>A reply completed synchronously is queued for the next flush; a later one is posted when it completes.</summary>
    private void Run(PendingCall call)
    {
        ValueTask<RecordBuffer> run;
        try
        {
            run = _dispatcher.RunAsync(call, _connection.Aborted);
        }
        catch (Exception ex)
        {
            FailCall(call, ex);
            return;
        }

        if (run.IsCompleted)
        {
            _connection.Sender.Enqueue(run.Result);
        }
        else
        {
            _ = PostLaterAsync(call, run);
        }
    }

    private async Task PostLaterAsync(PendingCall call, ValueTask<RecordBuffer> run)
    {
        RecordBuffer reply;
        try
        {
            reply = await run.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            FailCall(call, ex);
            return;
        }

        _connection.Sender.Post(reply);
    }

    /// <summary>Something other than the procedure failed (the reply could not be completed): the connection closes.</summary>
    private void FailCall(PendingCall call, Exception exception)
    {
        _connection.Admission.Release(call.Reply.AdmittedBytes);
        call.Reply.Dispose();
        _connection.Fail(exception);
    }

    /// <summary>
    /// Shares the pipelined calls of a connection with its read loop: at most one per extra core runs at a time,
    /// taking calls until none is left, then sends the replies it completed in one write.
    /// </summary>
    private sealed class PipelinedCallRunner(RpcConnection connection) : IThreadPoolWorkItem
    {
        public void Execute()
        {
            connection.RunPipelinedCalls();
            Interlocked.Decrement(ref connection._runners);
            _ = connection._connection.Sender.FlushAsync();
        }
    }
}
