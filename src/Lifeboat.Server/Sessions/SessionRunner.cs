using Lifeboat.Hypervisors.Qemu;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Server.Sessions;

/// <summary>
/// Runs one session's state machine. Operations (recover, migrate, stop) run one at a time; each step is recorded in
/// the database when it starts and when it ends, and everything a step sets up is saved in the session record, so a
/// restarted server resumes the session: steps that ended well are not run again, an interrupted one runs again.
/// </summary>
internal sealed partial class SessionRunner : IAsyncDisposable
{
    private static readonly TimeSpan QuitTimeout = TimeSpan.FromSeconds(10);

    private readonly SessionServices _services;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _shutdown = new();
    private readonly Lock _queueLock = new();
    private readonly HashSet<(SessionPhase Phase, string Name)> _doneBeforeRestart = [];
    private SessionRecord _session;
    private CancellationTokenSource? _work;
    private QemuVm? _vm;
    private DateTimeOffset? _guestAnsweredAt;
    private MigrationProgress? _progress;
    private Task _queue = Task.CompletedTask;
    private volatile bool _stopRequested;

    /// <param name="allSessions">Raised with each change of this session, for whoever watches every session.</param>
    public SessionRunner(SessionServices services, SessionRecord session, SessionChangeSignal allSessions)
    {
        _services = services;
        _session = session;
        _logger = services.LoggerFactory.CreateLogger<SessionRunner>();
        Changes = new SessionChangeSignal(allSessions);
    }

    public SessionRecord Session => Volatile.Read(ref _session);

    public MigrationProgress? Progress => Volatile.Read(ref _progress);

    public SessionChangeSignal Changes { get; }

    public bool VmRunning => Session.RuntimeDirectory is { } folder && VmRuntimeFolder.RunningProcess(folder) is not null;

    /// <summary>The operations queued so far, for tests and shutdown.</summary>
    public Task Idle
    {
        get
        {
            lock (_queueLock)
                return _queue;
        }
    }

    public void BeginRecovery() => Enqueue(RecoverAsync, cancellable: true);

    /// <summary>Carries on after a server restart from where the session's record and steps say it was.</summary>
    public void Resume()
    {
        var session = Session;
        if (session.IsFinal)
            return;
        _services.Store.InterruptRunningSteps(session.Id, Now);
        foreach (var step in _services.Store.GetSteps(session.Id).Where(s => s.Result is StepResult.Ok or StepResult.Skipped))
            _doneBeforeRestart.Add((step.Phase, step.Name));
        if (session.Verification is not null)
        {
            // A verification is a test with a clock: a boot interrupted by a restart proves nothing, so it ends failed.
            Note("The server restarted during the verification; it ends here.");
            Enqueue(async ct =>
            {
                await ReattachAsync(ct).ConfigureAwait(false);
                await FailVerificationAsync("The server restarted during the verification; verify the restore point again.", [], null).ConfigureAwait(false);
            }, cancellable: false);
            return;
        }

        Note("The server restarted; the session resumes.");
        switch (session.State)
        {
            case SessionState.Starting:
                Enqueue(async ct =>
                {
                    await ReattachAsync(ct).ConfigureAwait(false);
                    await RecoverAsync(ct).ConfigureAwait(false);
                }, cancellable: true);
                break;
            case SessionState.Ready:
                Enqueue(async ct =>
                {
                    await ReattachAsync(ct).ConfigureAwait(false);
                    if (Session.Migration is not null)
                        await MigrateAsync(ct).ConfigureAwait(false);
                }, cancellable: true);
                break;
            case SessionState.Migrating:
                _doneBeforeRestart.RemoveWhere(s => s.Phase == SessionPhase.MigratingToProduction);
                Enqueue(async ct =>
                {
                    await ReattachAsync(ct).ConfigureAwait(false);
                    await MigrateAsync(ct).ConfigureAwait(false);
                }, cancellable: true);
                break;
            case SessionState.Stopping:
                Enqueue(StopAsync, cancellable: false);
                break;
        }
    }

    /// <exception cref="InvalidOperationException">The session is not running from the backup.</exception>
    public void BeginMigration(MigrationRequest request)
    {
        lock (_queueLock)
        {
            var session = Session;
            if (session.Verification is not null)
                throw new InvalidOperationException($"Session {session.Id} is a verification: its VM is torn down once checked and is never migrated; recover the VM with `lifeboat instant-recover` to move it to production.");
            if (session.State != SessionState.Ready || session.Migration is not null)
            {
                throw new InvalidOperationException(session.State switch
                {
                    SessionState.Starting => $"Session {session.Id} is still starting; migrate it once the guest answers (or recover with --migrate-to).",
                    SessionState.Migrating => $"Session {session.Id} is already migrating to {session.Migration?.TargetDirectory}.",
                    SessionState.Finalized => $"Session {session.Id} is finalized: its VM already runs from production storage.",
                    _ => $"Session {session.Id} is {session.State.ToString().ToLowerInvariant()}; only a running session can be migrated.",
                });
            }

            if (!VmRunning || session.ReadyAt is null)
                throw new InvalidOperationException($"The VM of session {session.Id} is not running; stop the session and recover again.");
            Save(s => s with { Migration = request, MigrationError = null });
            Enqueue(MigrateAsync, cancellable: true);
        }
    }

    /// <exception cref="InvalidOperationException">The session is finalized or already ended.</exception>
    public void BeginStop()
    {
        lock (_queueLock)
        {
            var session = Session;
            if (session.State == SessionState.Finalized)
            {
                throw new InvalidOperationException(
                    $"Session {session.Id} is finalized: its VM runs from production storage ({string.Join(", ", session.ProductionDisks)}) and belongs to production now; Lifeboat leaves it alone.");
            }

            if (session.IsFinal)
                throw new InvalidOperationException($"Session {session.Id} has already ended ({session.State.ToString().ToLowerInvariant()}).");
            if (_stopRequested)
                return;
            _stopRequested = true;
            Volatile.Read(ref _work)?.Cancel();
            Enqueue(StopAsync, cancellable: false);
        }
    }

    /// <summary>Server shutdown: stops working and lets go of the VM, which keeps running.</summary>
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

        if (_vm is not null)
            await _vm.DisposeAsync().ConfigureAwait(false);
        _vm = null;
        _shutdown.Dispose();
        _gate.Dispose();
    }

    private DateTimeOffset Now => _services.Time.GetUtcNow();

    private void Enqueue(Func<CancellationToken, Task> operation, bool cancellable)
    {
        lock (_queueLock)
        {
            var previous = _queue;
            _queue = RunAfterAsync(previous, operation, cancellable);
        }
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
                if (_stopRequested)
                    return;
            }

            await operation(work.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (work.IsCancellationRequested)
        {
            // Stopped by `lifeboat stop` (the stop operation follows) or by the server shutting down (resumed at restart).
        }
        catch (Exception e)
        {
            SessionLog.OperationFailed(_logger, e, Session.Id);
        }
        finally
        {
            if (cancellable)
                Volatile.Write(ref _work, null);
            _gate.Release();
        }
    }

    /// <summary>Runs one step: recorded as running, then as ok (with what it found) or failed (with why).</summary>
    /// <exception cref="SessionStepException">The step failed; its message is the step's.</exception>
    private async Task StepAsync(SessionPhase phase, string name, Func<CancellationToken, Task<string?>> body, CancellationToken cancellationToken)
    {
        if (_doneBeforeRestart.Contains((phase, name)))
            return;
        var session = Session;
        if (session.Phase != phase)
            Save(s => s with { Phase = phase });
        var started = Now;
        var seq = _services.Store.BeginStep(session.Id, phase, name, started);
        Changes.Raise();
        SessionLog.StepStarted(_logger, session.Id, phase, name);
        try
        {
            var message = await body(cancellationToken).ConfigureAwait(false);
            EndStep(phase, name, seq, started, StepResult.Ok, message);
        }
        catch (SkipStepException skip)
        {
            EndStep(phase, name, seq, started, StepResult.Skipped, skip.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            if (!_shutdown.IsCancellationRequested)
                EndStep(phase, name, seq, started, StepResult.Interrupted, "Stopped by request.");
            throw;
        }
        catch (Exception e)
        {
            var message = Describe(e);
            EndStep(phase, name, seq, started, StepResult.Failed, message);
            throw e as SessionStepException ?? new SessionStepException(message, e);
        }
    }

    private void EndStep(SessionPhase phase, string name, int seq, DateTimeOffset started, StepResult result, string? message)
    {
        var ended = Now;
        _services.Store.EndStep(Session.Id, seq, result, ended, message);
        Changes.Raise();
        SessionLog.StepEnded(_logger, Session.Id, phase, name, result, (ended - started).TotalSeconds, message);
    }

    private static string Describe(Exception e) => e switch
    {
        SessionStepException or QemuException or QmpException or TimeoutException or Repository.RepositoryException => e.Message,
        IOException or UnauthorizedAccessException or ArgumentException or InvalidDataException => e.Message,
        _ => $"{e.GetType().Name}: {e.Message}",
    };

    private void Save(Func<SessionRecord, SessionRecord> change)
    {
        lock (_queueLock)
        {
            var before = Session;
            var after = change(before);
            _services.Store.Update(after);
            Volatile.Write(ref _session, after);
            Changes.Raise();
            if (before.State != after.State)
                SessionLog.StateChanged(_logger, after.Id, after.State);
        }
    }

    private void Note(string message)
    {
        _services.Store.Log(Session.Id, "info", message, Now);
        Changes.Raise();
        SessionLog.Note(_logger, Session.Id, message);
    }

    private void Warn(string message)
    {
        _services.Store.Log(Session.Id, "warning", message, Now);
        Changes.Raise();
        SessionLog.Warning(_logger, Session.Id, message);
    }

    private void ReportProgress(string activity, long done, long total) =>
        Volatile.Write(ref _progress, new MigrationProgress(activity, done, total));

    /// <summary>After a restart: connects to the session's QEMU again, if it runs.</summary>
    private async Task ReattachAsync(CancellationToken cancellationToken)
    {
        if (_vm is not null || Session.RuntimeDirectory is not { } folder)
            return;
        if (VmRuntimeFolder.RunningProcess(folder) is null)
        {
            if (_doneBeforeRestart.Contains((SessionPhase.RegisteringAndStarting, PowerOnStep)))
                Warn($"The VM is not running any more (runtime folder {folder}).");
            return;
        }

        _vm = await QemuVm.AttachAsync(folder, _logger, cancellationToken).ConfigureAwait(false);
        Note($"Reattached to the VM, still running as process {_vm.ProcessId}.");
    }

    private QemuVm RequireVm() => _vm is { IsRunning: true } vm
        ? vm
        : throw new SessionStepException($"The VM of session {Session.Id} is not running; stop the session and recover again.");

    /// <summary>Thrown by a step body that has nothing to do; the step is recorded as skipped with this reason.</summary>
    private sealed class SkipStepException(string reason) : Exception(reason);
}
