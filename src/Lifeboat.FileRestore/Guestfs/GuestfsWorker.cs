using System.Collections.Concurrent;

namespace Lifeboat.FileRestore.Guestfs;

/// <summary>
/// The one thread that talks to an appliance: libguestfs handles are not thread-safe, so every call is queued here
/// and run in order. The handle is created, launched and closed on this thread too.
/// </summary>
internal sealed class GuestfsWorker : IAsyncDisposable
{
    private readonly BlockingCollection<Action> _queue = new();
    private readonly Thread _thread;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private GuestfsConnection? _connection;

    public GuestfsWorker(string name)
    {
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>The handle, once <see cref="StartAsync"/> made it; for <see cref="GuestfsConnection.Cancel"/> from other threads.</summary>
    public GuestfsConnection? Connection => Volatile.Read(ref _connection);

    /// <summary>Creates the handle on the worker's thread and runs <paramref name="setUp"/> (add drives, launch).</summary>
    public Task StartAsync(Func<GuestfsConnection> create, Action<GuestfsConnection> setUp, CancellationToken cancellationToken) =>
        RunAsync(
            _ =>
            {
                var connection = create();
                Volatile.Write(ref _connection, connection);
                setUp(connection);
                return true;
            },
            needsConnection: false,
            cancellationToken);

    /// <summary>Runs <paramref name="call"/> on the worker's thread after every call queued before it.</summary>
    public Task<T> RunAsync<T>(Func<GuestfsConnection, T> call, CancellationToken cancellationToken) =>
        RunAsync(call, needsConnection: true, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        _queue.Add(() =>
        {
            var connection = Interlocked.Exchange(ref _connection, null);
            connection?.Dispose();
        });
        _queue.CompleteAdding();
        await _stopped.Task.ConfigureAwait(false);
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
