namespace Lifeboat.Server.Inventory;

/// <summary>
/// Keeps a job's retention from pulling a restore point away from an instant recovery that is starting. The
/// repository's lock already keeps retention away from published disks (retention takes it exclusive, a publication
/// holds it shared), but a session reads the repository in several steps before it publishes, each taking the lock
/// for a moment: between them, retention could delete the restore point the session just found, or hold the lock
/// when the next step needs it and fail the session. So sessions hold this gate from finding the restore point until
/// it is published; retention only runs when no session holds it, and a session that starts during retention waits
/// for it to end. One gate for every repository: retention is rare and short, and recoveries never fail for it.
/// </summary>
public sealed class RetentionGate
{
    private readonly Lock _lock = new();
    private int _recoveries;
    private TaskCompletionSource? _retention;

    /// <summary>Waits for a running retention to end, then holds retention off until the returned handle is disposed.</summary>
    public async Task<IDisposable> EnterRecoveryAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task running;
            lock (_lock)
            {
                if (_retention is null)
                {
                    _recoveries++;
                    return new Release(this, retention: false);
                }

                running = _retention.Task;
            }

            await running.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A handle to run retention under, or null when a recovery is starting (retention then waits for a later run).</summary>
    public IDisposable? TryEnterRetention()
    {
        lock (_lock)
        {
            if (_recoveries > 0 || _retention is not null)
                return null;
            _retention = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return new Release(this, retention: true);
        }
    }

    private void Exit(bool retention)
    {
        TaskCompletionSource? ended = null;
        lock (_lock)
        {
            if (retention)
            {
                ended = _retention;
                _retention = null;
            }
            else
            {
                _recoveries--;
            }
        }

        ended?.SetResult();
    }

    private sealed class Release(RetentionGate gate, bool retention) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
                gate.Exit(retention);
        }
    }
}
