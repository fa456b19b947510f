using Microsoft.Extensions.Logging;

namespace Lifeboat.Server.Sessions.Engine;

/// <summary>
/// Runs a session's operations (recover, migrate, stop) one at a time, in the order asked. A cancellable one is
/// cancelled by <see cref="CancelCurrent"/> (a stop), every one by the server shutting down.
/// </summary>
internal sealed class OperationQueue(string sessionId, ILogger logger) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _shutdown = new();
    private readonly Lock _lock = new();
    private CancellationTokenSource? _work;
    private Task _queue = Task.CompletedTask;
    private volatile bool _cancelled;

    /// <summary>The operations queued so far, for tests and shutdown.</summary>
    public Task Idle
    {
        get
        {
            lock (_lock)
                return _queue;
        }
    }

    public bool ShuttingDown => _shutdown.IsCancellationRequested;

    public void Enqueue(Func<CancellationToken, Task> operation, bool cancellable)
    {
        lock (_lock)
            _queue = RunAfterAsync(_queue, operation, cancellable);
    }

    /// <summary>Cancels the cancellable operation running now, and every cancellable one queued after it.</summary>
    public void CancelCurrent()
    {
        _cancelled = true;
        Volatile.Read(ref _work)?.Cancel();
    }

    /// <summary>Server shutdown: stops working (the operation running is cancelled, the queued ones never start).</summary>
    public async ValueTask DisposeAsync()
    {
        await _shutdown.CancelAsync().ConfigureAwait(false);
        try
        {
            await Idle.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _shutdown.Dispose();
        _gate.Dispose();
    }

    private async Task RunAfterAsync(Task previous, Func<CancellationToken, Task> operation, bool cancellable)
    {
        await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_shutdown.IsCancellationRequested)
            return;
        await _gate.WaitAsync().ConfigureAwait(false);
        using var work = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token);
        try
        {
            if (cancellable)
            {
                Volatile.Write(ref _work, work);
                if (_cancelled)
                    return;
            }

            await operation(work.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (work.IsCancellationRequested)
        {
            // Stopped by a stop request (the stop operation follows) or by the server shutting down (resumed at restart).
        }
        catch (Exception e)
        {
            SessionLog.OperationFailed(logger, e, sessionId);
        }
        finally
        {
            if (cancellable)
                Volatile.Write(ref _work, null);
            _gate.Release();
        }
    }
}
