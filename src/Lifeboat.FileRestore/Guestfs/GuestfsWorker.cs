using System.Collections.Concurrent;

namespace Lifeboat.FileRestore.Guestfs;

/// <summary>
/// The one thread that talks to an appliance: libguestfs handles are not thread-safe, so every call is queued here
/// and run in order. The handle is created, launched and closed on this thread too, so the processes libguestfs starts
/// (supermin, QEMU) are this thread's children: killing them ends a launch or a call that would not end otherwise.
/// </summary>
internal sealed class GuestfsWorker : IAsyncDisposable
{
    /// <summary>How often a cancelled launch's processes are killed again: libguestfs starts the next one (QEMU after supermin) until the launch gives up.</summary>
    private static readonly TimeSpan KillAgainEvery = TimeSpan.FromMilliseconds(100);

    private readonly BlockingCollection<Action> _queue = new();
    private readonly Thread _thread;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private GuestfsConnection? _connection;
    private int _threadId;
    private int _disposed;

    public GuestfsWorker(string name)
    {
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>The handle, once <see cref="StartAsync"/> made it; for <see cref="GuestfsConnection.Cancel"/> from other threads.</summary>
    public GuestfsConnection? Connection => Volatile.Read(ref _connection);

    /// <summary>
    /// Creates the handle on the worker's thread and runs <paramref name="setUp"/> (add drives, launch). Cancelling kills
    /// the processes the launch started, so it fails within a second or so, and throws <see cref="OperationCanceledException"/>
    /// once it has (the handle is still the caller's to close, with <see cref="DisposeAsync"/>).
    /// </summary>
    public async Task StartAsync(Func<GuestfsConnection> create, Action<GuestfsConnection> setUp, CancellationToken cancellationToken)
    {
        var starting = RunAsync(
            _ =>
            {
                var connection = create();
                Volatile.Write(ref _connection, connection);
                setUp(connection);
                return true;
            },
            needsConnection: false,
            cancellationToken);
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (cancellationToken.Register(() => cancelled.TrySetResult()))
        {
            if (await Task.WhenAny(starting, cancelled.Task).ConfigureAwait(false) != starting)
            {
                while (!starting.IsCompleted)
                {
                    KillProcesses();
                    await Task.WhenAny(starting, Task.Delay(KillAgainEvery, CancellationToken.None)).ConfigureAwait(false);
                }
            }
        }

        try
        {
            await starting.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("The appliance's start was cancelled.", ex, cancellationToken);
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>Runs <paramref name="call"/> on the worker's thread after every call queued before it.</summary>
    public Task<T> RunAsync<T>(Func<GuestfsConnection, T> call, CancellationToken cancellationToken) =>
        RunAsync(call, needsConnection: true, cancellationToken);

    /// <summary>Stops a download or tar-out in progress, if one is (it fails with "operation cancelled").</summary>
    public void CancelTransfer()
    {
        try
        {
            Connection?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Closed meanwhile: nothing runs any more.
        }
    }

    /// <summary>Kills the processes this worker's libguestfs calls started (supermin, QEMU); its calls then fail.</summary>
    public int KillProcesses() => ThreadChildren.KillAll(Volatile.Read(ref _threadId));

    /// <summary>Closes the handle once the calls queued before run, which shuts the appliance down.</summary>
    public ValueTask DisposeAsync() => DisposeAsync(Timeout.InfiniteTimeSpan);

    /// <summary>
    /// As <see cref="DisposeAsync()"/>, but a transfer running now is cancelled, and when the calls have not ended after
    /// <paramref name="grace"/> (an appliance that no longer answers), the appliance's processes are killed so they do.
    /// </summary>
    public async ValueTask DisposeAsync(TimeSpan grace)
    {
        var first = Interlocked.Exchange(ref _disposed, 1) == 0;
        if (first)
        {
            _queue.Add(() =>
            {
                var connection = Interlocked.Exchange(ref _connection, null);
                connection?.Dispose();
            });
            _queue.CompleteAdding();
        }

        if (grace != Timeout.InfiniteTimeSpan)
        {
            CancelTransfer();
            if (await Task.WhenAny(_stopped.Task, Task.Delay(grace)).ConfigureAwait(false) != _stopped.Task)
                KillProcesses();
        }

        await _stopped.Task.ConfigureAwait(false);
        if (first)
            _queue.Dispose();
    }

    private Task<T> RunAsync<T>(Func<GuestfsConnection, T> call, bool needsConnection, CancellationToken cancellationToken)
    {
        var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Work()
        {
            if (cancellationToken.IsCancellationRequested)
            {
                result.TrySetCanceled(cancellationToken);
                return;
            }

            try
            {
                var connection = _connection;
                if (needsConnection && connection is null)
                    throw new ObjectDisposedException(nameof(GuestfsWorker), "The appliance was closed.");
                result.TrySetResult(call(connection!));
            }
            catch (Exception ex)
            {
                result.TrySetException(ex);
            }
        }

        try
        {
            _queue.Add(Work, CancellationToken.None);
        }
        catch (InvalidOperationException)
        {
            result.TrySetException(new ObjectDisposedException(nameof(GuestfsWorker), "The appliance was closed."));
        }

        return result.Task;
    }

    private void Run()
    {
        Volatile.Write(ref _threadId, ThreadChildren.CurrentThreadId());
        try
        {
            foreach (var work in _queue.GetConsumingEnumerable())
                work();
        }
        finally
        {
            _stopped.TrySetResult();
        }
    }
}
