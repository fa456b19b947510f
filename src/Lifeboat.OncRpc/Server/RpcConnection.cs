using System.Buffers;
using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Lifeboat.OncRpc.Peers;
using Lifeboat.OncRpc.RecordMarking;
using Lifeboat.OncRpc.Rpc;
using Lifeboat.OncRpc.Transport;
using Microsoft.Extensions.Logging;

namespace Lifeboat.OncRpc.Server;

/// <summary>
/// One accepted TCP connection. A single loop reads records, parses each call and dispatches it; when several
/// calls arrived together, thread-pool runners share them with the loop. Replies of calls that complete
/// synchronously are gathered and sent in one write per batch; calls that go asynchronous post their reply when
/// done. One <see cref="RecordSender"/> serializes the writes, so replies leave
/// in completion order and clients match them by XID. At most MaxCallsInFlightPerConnection calls are between
/// being read and their reply being sent, which bounds the connection's memory.
/// </summary>
internal sealed class RpcConnection
{
    private readonly FrozenDictionary<uint, IRpcProgram> _programs;
    private readonly Socket _socket;
    private readonly PipeReader _reader;
    private readonly RecordMarkingReader _framing;
    private readonly RecordSender _sender;
    private readonly ILogger _logger;
    private readonly int _maxCallsInFlight;
    private readonly SemaphoreSlim _callSlots;
    private readonly CancellationTokenSource _aborted = new();
    private readonly ConcurrentQueue<ParsedCall> _pipelined = new();
    private readonly PipelinedCallRunner _runner;
    // With the read loop, one call per core: more runners measured no faster cold and split warm replies into more writes.
    private readonly int _maxRunners = Environment.ProcessorCount - 1;
    private int _runners;
    private long _calls;
    private volatile bool _stopping;

    public RpcConnection(long id, Socket socket, FrozenDictionary<uint, IRpcProgram> programs, RpcServerOptions options, ILogger logger)
    {
        Id = id;
        _socket = socket;
        _programs = programs;
        _logger = logger;
        _maxCallsInFlight = options.MaxCallsInFlightPerConnection;
        _callSlots = new SemaphoreSlim(_maxCallsInFlight, _maxCallsInFlight);
        _framing = new RecordMarkingReader(options.MaxRecordSize, options.MaxFragmentsPerRecord);
        _sender = new RecordSender(socket, _ => _callSlots.Release(), OnSendFailed);
        _runner = new PipelinedCallRunner(this);
        _reader = PipeReader.Create(
            new NetworkStream(socket, ownsSocket: false),
            new StreamPipeReaderOptions(bufferSize: options.ReceiveBufferSize, minimumReadSize: options.ReceiveBufferSize / 4));
    }

    public long Id { get; }

    /// <summary>Who is at the other end: decided once, when <see cref="RunAsync"/> starts.</summary>
    public RpcPeer Remote { get; private set; } = null!;

    /// <summary>Finishes the calls already read, sends their replies, then closes.</summary>
    public void BeginStop()
    {
        _stopping = true;
        _reader.CancelPendingRead();
    }

    /// <summary>Closes the connection now; calls still running see their cancellation token fire.</summary>
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
            // Shutdown wakes a send blocked on a peer that stopped reading; the socket is disposed once every call is done.
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }

    public async Task RunAsync()
    {
        try
        {
            // On the connection's own task: a look-up in /proc must not hold up the accepts.
            Remote = RpcPeer.Of(_socket);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            RpcServerLog.PeerGone(_logger, Id);
            await _reader.CompleteAsync().ConfigureAwait(false);
            _socket.Dispose();
            _aborted.Dispose();
            return;
        }

        RpcServerLog.ConnectionAccepted(_logger, Id, Remote);
        try
        {
            await ReadCallsAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            if (!_stopping)
            {
                RpcServerLog.TransportError(_logger, ex, Id, Remote);
            }

            Abort();
        }
        finally
        {
            // Queued calls hold slots: run them (a closing connection drops their replies) so the wait below ends.
            RunPipelinedCalls();
            await _sender.FlushAsync().ConfigureAwait(false);

            // Every slot back means every dispatched call has finished and its reply was sent or dropped.
            for (var i = 0; i < _maxCallsInFlight; i++)
            {
                await _callSlots.WaitAsync().ConfigureAwait(false);
            }

            await _reader.CompleteAsync().ConfigureAwait(false);
            try
            {
                _socket.Shutdown(SocketShutdown.Both);
            }
            catch (SocketException)
            {
            }

            _socket.Dispose();
            _aborted.Dispose();
            RpcServerLog.ConnectionClosed(_logger, Id, Remote, _calls);
        }
    }

    private async Task ReadCallsAsync()
    {
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
                    var status = _framing.TryReadRecord(ref buffer, out var record);
                    if (status == RecordMarkingStatus.NeedMoreData)
                    {
                        break;
                    }

                    if (status == RecordMarkingStatus.TooLarge)
                    {
                        RpcServerLog.RecordTooLarge(_logger, Id, Remote, _framing.MaxRecordSize, _framing.MaxFragmentsPerRecord);
                        keepReading = false;
                        break;
                    }

                    var behind = buffer;
                    bool pipelined = _framing.TryReadRecord(ref behind, out _) == RecordMarkingStatus.Complete;
                    keepReading = await ProcessRecordAsync(record, pipelined).ConfigureAwait(false);
                }

                RunPipelinedCalls();

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
                    RpcServerLog.TruncatedRecord(_logger, Id, Remote);
                }

                return;
            }
        }
    }

    /// <summary>Copies the record out of the receive buffer and answers or dispatches it; false closes the connection.</summary>
    /// <param name="pipelined">
    /// Another whole call is already buffered behind this one: the call is queued for the connection's runners
    /// and the read loop, so calls pipelined on one connection use every core; a lone call runs inline, which saves
    /// the thread switch.
    /// </param>
    private async ValueTask<bool> ProcessRecordAsync(MarkedRecord record, bool pipelined)
    {
        if (!_callSlots.Wait(0))
        {
            // Calls waiting to run and replies waiting to be sent hold slots too: finish them before waiting for one.
            RunPipelinedCalls();
            await _sender.FlushAsync().ConfigureAwait(false);
            await _callSlots.WaitAsync(_aborted.Token).ConfigureAwait(false);
        }

        _calls++;
        var length = record.Length;
        var message = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        record.CopyTo(message);
        if (!RpcCallAdmission.TryAdmit(message.AsSpan(0, length), _programs, Remote, _logger, out var header, out var program, out var refusal))
        {
            ArrayPool<byte>.Shared.Return(message);
            if (refusal is null)
            {
                _callSlots.Release();
                RpcServerLog.MalformedCall(_logger, Id, Remote);
                return false;
            }

            _sender.Enqueue(refusal);
            return true;
        }

        var call = new RpcCall(
            header.Xid,
            header.Program,
            header.Version,
            header.Procedure,
            header.Credentials,
            message.AsMemory(header.ArgumentsOffset, length - header.ArgumentsOffset),
            Remote,
            Id);
        var reply = new RecordBuffer(RpcMessageEncoder.AcceptedReplyHeaderSize);
        var parsed = new ParsedCall(call, program, reply, message);
        if (pipelined && _maxRunners > 0)
        {
            _pipelined.Enqueue(parsed);
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
            Dispatch(parsed);
        }

        return true;
    }

    /// <summary>Runs queued pipelined calls on this thread until none is left; their replies join the next flush.</summary>
    private void RunPipelinedCalls()
    {
        while (_pipelined.TryDequeue(out var parsed))
        {
            Dispatch(parsed);
        }
    }

    /// <summary>Runs the program's procedure; a reply completed synchronously is queued for the next flush.</summary>
    private void Dispatch(ParsedCall parsed)
    {
        var (call, program, reply, message) = parsed;
        ValueTask<RpcAcceptStatus> dispatch;
        try
        {
            dispatch = program.DispatchAsync(call, reply, _aborted.Token);
        }
        catch (Exception ex)
        {
            dispatch = ValueTask.FromException<RpcAcceptStatus>(ex);
        }

        if (dispatch.IsCompleted)
        {
            RpcAcceptStatus result = default;
            Exception? error = null;
            try
            {
                result = dispatch.Result;
            }
            catch (Exception ex)
            {
                error = ex;
            }

            _sender.Enqueue(Complete(call, program, reply, message, result, error));
        }
        else
        {
            _ = CompleteLaterAsync(call, program, reply, message, dispatch);
        }
    }

    private async Task CompleteLaterAsync(RpcCall call, IRpcProgram program, RecordBuffer reply, byte[] message, ValueTask<RpcAcceptStatus> dispatch)
    {
        RpcAcceptStatus result = default;
        Exception? error = null;
        try
        {
            result = await dispatch.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            error = ex;
        }

        _sender.Post(Complete(call, program, reply, message, result, error));
    }

    /// <summary>Turns a finished dispatch into its sealed reply and returns the call's message buffer to the pool.</summary>
    private RecordBuffer Complete(RpcCall call, IRpcProgram program, RecordBuffer reply, byte[] message, RpcAcceptStatus status, Exception? error)
    {
        ArrayPool<byte>.Shared.Return(message);
        return RpcReplies.Complete(call, program, reply, status, error, _logger, _aborted.IsCancellationRequested);
    }

    private void OnSendFailed(Exception exception)
    {
        if (!_stopping)
        {
            RpcServerLog.TransportError(_logger, exception, Id, Remote);
        }

        Abort();
    }

    private readonly record struct ParsedCall(RpcCall Call, IRpcProgram Program, RecordBuffer Reply, byte[] Message);

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
            _ = connection._sender.FlushAsync();
        }
    }
}
