using System.IO.Pipelines;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Transport;

/// <summary>
/// One connection of a framed request/reply protocol (RPC records, NBD requests): a single loop reads the input,
/// lets the protocol find each frame in one scan, admits it by requests and bytes in flight and dispatches it;
/// replies leave through one <see cref="GatheredSender{TFrame}"/>, whose sends return the admission. Stopping
/// finishes what was read and sends its replies; aborting also cancels the running requests. Transport errors end
/// the connection quietly; anything else escapes to the listener, which logs it. When the transport reads on the
/// loop's own thread (<see cref="ConnectionTransport.ReadsOnOwnThread"/>) the loop runs on a thread of its own and
/// waits there for whatever it waits for, so it never continues on a thread-pool worker.
/// </summary>
public sealed class FramedConnection<TFrame, TReply>
    where TReply : class, IOutgoingFrame
{
    private readonly ConnectionTransport _transport;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _aborted = new();
    private int _failed;
    private volatile bool _stopping;

    public FramedConnection(long id, string protocol, ConnectionTransport transport, FrameAdmission admission, ILogger logger)
    {
        Id = id;
        Protocol = protocol;
        _transport = transport;
        _logger = logger;
        Admission = admission;
        Input = transport.Input;
        Sender = CreateSender(transport.Output);
    }

    public long Id { get; }

    public string Protocol { get; }

    /// <summary>The peer for log lines; the protocol sets it once it knows more.</summary>
    public string Remote { get; set; } = "?";

    public PipeReader Input { get; private set; }

    public GatheredSender<TReply> Sender { get; private set; }

    public FrameAdmission Admission { get; }

    /// <summary>Fires when the connection is aborted: running requests give up.</summary>
    public CancellationToken Aborted => _aborted.Token;

    public bool IsAborted => _aborted.IsCancellationRequested;

    public bool IsStopping => _stopping;

    public Socket? Socket => _transport.Socket;

    /// <summary>Frames read and admitted so far.</summary>
    public long Frames { get; private set; }

    /// <summary>Reads and writes through other ends from now on (TLS over the same socket); the old input is completed by the caller.</summary>
    public void SwitchTo(PipeReader input, ConnectionOutput output)
    {
        Input = input;
        Sender = CreateSender(output);
    }

    public void BeginStop()
    {
        _stopping = true;
        Input.CancelPendingRead();
        _transport.WakeReader();
    }

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

        _transport.Shutdown();
    }

    /// <summary>An unexpected exception outside the read loop (a request completing later): logged once, then the connection closes.</summary>
    public void Fail(Exception exception)
    {
        if (Interlocked.Exchange(ref _failed, 1) == 0)
        {
            TransportLog.ConnectionFailed(_logger, exception, Protocol, Id, Remote);
        }

        Abort();
    }

    public Task RunAsync(IConnectionProtocol<TFrame> protocol)
    {
        if (!_transport.ReadsOnOwnThread)
        {
            return RunHereAsync(protocol);
        }

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() => RunHereAsync(protocol).ContinueWith(
            static (run, state) => ((TaskCompletionSource)state!).SetFromTask(run),
            done,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default))
        {
            IsBackground = true,
            Name = $"{Protocol} {Id}",
        };
        thread.Start();
        return done.Task;
    }

    private async Task RunHereAsync(IConnectionProtocol<TFrame> protocol)
    {
        try
        {
            if (await Stay(protocol.StartAsync()).ConfigureAwait(false))
            {
                await ReadFramesAsync(protocol).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            if (!_stopping)
            {
                TransportLog.TransportError(_logger, ex, Protocol, Id, Remote);
            }

            Abort();
        }
        catch
        {
            // The listener logs it; the requests in flight must not hold the close below.
            Interlocked.Exchange(ref _failed, 1);
            Abort();
            throw;
        }
        finally
        {
            await CloseAsync(protocol).ConfigureAwait(false);
        }
    }

    private async Task CloseAsync(IConnectionProtocol<TFrame> protocol)
    {
        try
        {
            // Frames handed off to this loop hold admission: run them (a closing connection drops their replies).
            protocol.EndOfBatch();
        }
        catch (Exception ex)
        {
            Fail(ex);
        }

        await Sender.FlushAsync().ConfigureAwait(false);
        await Admission.DrainAsync().ConfigureAwait(false);
        await Input.CompleteAsync().ConfigureAwait(false);
        _transport.Shutdown();
        _transport.Dispose();
        _aborted.Dispose();
        protocol.Closed();
    }

    private async Task ReadFramesAsync(IConnectionProtocol<TFrame> protocol)
    {
        while (true)
        {
            var input = Input;
            var result = await Stay(input.ReadAsync()).ConfigureAwait(false);
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
                    var status = protocol.TryParse(ref buffer, out var frame, out var anotherFollows);
                    if (status == FrameStatus.Incomplete)
                    {
                        break;
                    }

                    if (status == FrameStatus.Close)
                    {
                        keepReading = false;
                        break;
                    }

                    var bytes = protocol.AdmittedBytes(frame);
                    if (!Admission.TryEnter(bytes))
                    {
                        // Work handed off and replies waiting to be sent hold admission too: finish them before waiting.
                        EndOfBatch(protocol);
                        await Stay(Sender.FlushAsync()).ConfigureAwait(false);
                        await Stay(Admission.EnterAsync(bytes, _aborted.Token)).ConfigureAwait(false);
                    }

                    Frames++;
                    keepReading = Dispatch(protocol, frame, anotherFollows);
                }

                EndOfBatch(protocol);
                await Stay(Sender.FlushAsync()).ConfigureAwait(false);
            }
            finally
            {
                input.AdvanceTo(buffer.Start, buffer.End);
            }

            if (!keepReading)
            {
                return;
            }

            if (result.IsCompleted)
            {
                if (!buffer.IsEmpty)
                {
                    protocol.Truncated();
                }

                return;
            }
        }
    }

    /// <summary>On the loop's own thread, waits for what is still running; elsewhere hands it back to be awaited.</summary>
    private ValueTask<T> Stay<T>(ValueTask<T> pending) =>
        pending.IsCompleted || !_transport.ReadsOnOwnThread ? pending : new ValueTask<T>(pending.AsTask().GetAwaiter().GetResult());

    private ValueTask Stay(ValueTask pending)
    {
        if (!pending.IsCompleted && _transport.ReadsOnOwnThread)
        {
            pending.AsTask().GetAwaiter().GetResult();
            return ValueTask.CompletedTask;
        }

        return pending;
    }

    private ValueTask Stay(Task pending) => Stay(new ValueTask(pending));

    private static bool Dispatch(IConnectionProtocol<TFrame> protocol, in TFrame frame, bool anotherFollows)
    {
        ReadLoop.Dispatching = true;
        try
        {
            return protocol.Dispatch(frame, anotherFollows);
        }
        finally
        {
            ReadLoop.Dispatching = false;
        }
    }

    private static void EndOfBatch(IConnectionProtocol<TFrame> protocol)
    {
        ReadLoop.Dispatching = true;
        try
        {
            protocol.EndOfBatch();
        }
        finally
        {
            ReadLoop.Dispatching = false;
        }
    }

    private GatheredSender<TReply> CreateSender(ConnectionOutput output) =>
        new(output, reply => Admission.Release(reply.AdmittedBytes), SendFailed);

    private void SendFailed(Exception exception)
    {
        if (!_stopping)
        {
            TransportLog.TransportError(_logger, exception, Protocol, Id, Remote);
        }

        Abort();
    }
}
