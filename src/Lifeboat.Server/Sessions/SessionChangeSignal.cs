namespace Lifeboat.Server.Sessions;

/// <summary>
/// Counts a session's changes (its record, a step, a log line) and wakes whoever waits for the next one, so that a
/// client can wait for a change in one request instead of polling. Given the signal of all sessions, it raises that
/// one too.
/// </summary>
internal sealed class SessionChangeSignal(SessionChangeSignal? all = null)
{
    private long _version;
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public long Version => Interlocked.Read(ref _version);

    public void Raise()
    {
        // The version moves before the waiters' task is swapped: a waiter that took the new task sees the new version.
        Interlocked.Increment(ref _version);
        Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        all?.Raise();
    }

    /// <summary>Returns once the version is no longer <paramref name="seen"/>, or after <paramref name="max"/>.</summary>
    public async Task WaitAsync(long seen, TimeSpan max, TimeProvider time, CancellationToken cancellationToken)
    {
        var next = Volatile.Read(ref _next);
        if (Version != seen || max <= TimeSpan.Zero)
            return;
        await next.Task.WaitAsync(max, time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}
