using Lifeboat.Server.Data;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Server.Sessions.Engine;

/// <summary>
/// Runs one session's operations on its record: one operation at a time (<see cref="OperationQueue"/>), each made of
/// steps kept in the database (<see cref="StepJournal"/>), everything set up saved in the session record, so that a
/// restarted server resumes the session: steps that ended well are not run again, an interrupted one runs again.
/// Knows nothing of what the steps do; the workflows do.
/// </summary>
internal sealed class SessionEngine : IAsyncDisposable
{
    private readonly SessionStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly OperationQueue _queue;
    private readonly StepJournal _journal;
    private readonly Lock _lock = new();
    private SessionRecord _session;
    private MigrationProgress? _progress;
    private volatile bool _stopRequested;

    /// <param name="allSessions">Raised with each change of this session, for whoever watches every session.</param>
    public SessionEngine(SessionStore store, SessionRecord session, SessionChangeSignal allSessions, TimeProvider time, ILogger logger)
    {
        _store = store;
        _session = session;
        _time = time;
        _logger = logger;
        Changes = new SessionChangeSignal(allSessions);
        _queue = new OperationQueue(session.Id, logger);
        _journal = new StepJournal(store, session.Id, time, logger, Changes.Raise);
    }

    public SessionRecord Session => Volatile.Read(ref _session);

    /// <summary>How far the copy of a migration is, while one runs.</summary>
    public MigrationProgress? Progress => Volatile.Read(ref _progress);

    public SessionChangeSignal Changes { get; }

    public Task Idle => _queue.Idle;

    public DateTimeOffset Now => _time.GetUtcNow();

    public TimeProvider Time => _time;

    public bool StopRequested => _stopRequested;

    public void Enqueue(Func<CancellationToken, Task> operation, bool cancellable) => _queue.Enqueue(operation, cancellable);

    /// <summary>Runs <paramref name="check"/> and what it enqueues with no record change in between.</summary>
    public void Atomically(Action check)
    {
        lock (_lock)
            check();
    }

    /// <summary>Cancels the running operation and queues <paramref name="stop"/>; false when a stop was asked already.</summary>
    public bool RequestStop(Func<CancellationToken, Task> stop)
    {
        lock (_lock)
        {
            if (_stopRequested)
                return false;
            _stopRequested = true;
            _queue.CancelCurrent();
            _queue.Enqueue(stop, cancellable: false);
            return true;
        }
    }

    /// <summary>After a server restart, before the session's operations are queued again.</summary>
    public void ResumeJournal() => _journal.Resume();

    public bool WasDone(SessionPhase phase, string name) => _journal.WasDone(phase, name);

    /// <summary>The steps of <paramref name="phase"/> run again even if they ended well before a restart.</summary>
    public void ForgetDone(SessionPhase phase) => _journal.Forget(phase);

    public IReadOnlyList<SessionStep> Steps() => _journal.Steps();

    /// <summary>Runs one step: recorded as running, then as ok (with what it found), failed (with why), skipped or interrupted.</summary>
    /// <exception cref="SessionStepException">The step failed; its message is the step's.</exception>
    public Task StepAsync(SessionPhase phase, string name, Func<CancellationToken, Task<string?>> body, CancellationToken cancellationToken) =>
        StepAsync(phase, name, startedAt: null, body, cancellationToken);

    /// <inheritdoc cref="StepAsync(SessionPhase, string, Func{CancellationToken, Task{string?}}, CancellationToken)"/>
    /// <param name="startedAt">When the step's work began, if before now: work started beside the steps before it (the step's message says so).</param>
    /// <exception cref="SessionStepException">The step failed; its message is the step's.</exception>
    public async Task StepAsync(
        SessionPhase phase, string name, DateTimeOffset? startedAt, Func<CancellationToken, Task<string?>> body, CancellationToken cancellationToken)
    {
        if (_journal.WasDone(phase, name))
            return;
        if (Session.Phase != phase)
            Save(s => s with { Phase = phase });
        await _journal.RunAsync(phase, name, startedAt, body, () => _queue.ShuttingDown, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A step whose failure is recorded and does not stop the ones after it (clean-up).</summary>
    public async Task TryStepAsync(SessionPhase phase, string name, Func<CancellationToken, Task<string?>> body, CancellationToken cancellationToken)
    {
        try
        {
            await StepAsync(phase, name, body, cancellationToken).ConfigureAwait(false);
        }
        catch (SessionStepException)
        {
            // Recorded as failed; the next steps still run.
        }
    }

    public void Save(Func<SessionRecord, SessionRecord> change)
    {
        lock (_lock)
        {
            var before = Session;
            var after = change(before);
            _store.Update(after);
            Volatile.Write(ref _session, after);
            Changes.Raise();
            if (before.State != after.State)
                SessionLog.StateChanged(_logger, after.Id, after.State);
        }
    }

    public void Note(string message)
    {
        _store.Log(Session.Id, "info", message, Now);
        Changes.Raise();
        SessionLog.Note(_logger, Session.Id, message);
    }

    public void Warn(string message)
    {
        _store.Log(Session.Id, "warning", message, Now);
        Changes.Raise();
        SessionLog.Warning(_logger, Session.Id, message);
    }

    public void ReportProgress(string activity, long done, long total) =>
        Volatile.Write(ref _progress, new MigrationProgress(activity, done, total));

    public void ClearProgress() => Volatile.Write(ref _progress, null);

    /// <summary>Server shutdown: the running operation is cancelled and waited for; the session resumes at the next start.</summary>
    public ValueTask DisposeAsync() => _queue.DisposeAsync();
}
