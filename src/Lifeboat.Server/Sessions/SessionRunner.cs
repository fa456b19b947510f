using Lifeboat.Server.Sessions.Engine;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Server.Sessions;

/// <summary>
/// One session as the <see cref="SessionManager"/> drives it: recover, resume after a restart, migrate, stop. The
/// <see cref="SessionEngine"/> runs the operations and keeps their steps; the workflows say what the steps are; the
/// VM is reached through the session's host (<see cref="SessionVm"/>).
/// </summary>
internal sealed class SessionRunner : IAsyncDisposable
{
    private readonly SessionEngine _engine;
    private readonly SessionVm _vm;
    private readonly RecoveryWorkflow _recovery;
    private readonly MigrationWorkflow _migration;
    private readonly VerificationWorkflow _verification;
    private readonly StopWorkflow _stop;
    private readonly DiskRecoveryWorkflow _disk;

    /// <param name="allSessions">Raised with each change of this session, for whoever watches every session.</param>
    /// <param name="targets">The running VMs a disk recovery attaches to.</param>
    public SessionRunner(SessionServices services, SessionRecord session, SessionChangeSignal allSessions, DiskTargets targets)
    {
        _engine = new SessionEngine(services.Store, session, allSessions, services.Time, services.LoggerFactory.CreateLogger<SessionRunner>());
        _vm = new SessionVm(_engine, services);
        var outcomes = new VerificationOutcomes(_engine, services);
        _stop = new StopWorkflow(_engine, _vm, services, outcomes);
        _verification = new VerificationWorkflow(_engine, _vm, services, outcomes, _stop);
        _migration = new MigrationWorkflow(_engine, _vm, services, _stop);
        _recovery = new RecoveryWorkflow(_engine, _vm, services, _verification, _migration, _stop);
        _disk = new DiskRecoveryWorkflow(_engine, services, targets, _stop);
    }

    public SessionRecord Session => _engine.Session;

    public MigrationProgress? Progress => _engine.Progress;

    public SessionChangeSignal Changes => _engine.Changes;

    /// <summary>
    /// As the VM's host last said; before the VM is found again after a restart, as its runtime folder says; not while
    /// its process waits paused for its disks.
    /// </summary>
    public bool VmRunning => IsDiskRecovery ? _disk.Attached : !_recovery.HoldsPausedVm && (_vm.Current?.IsRunning ?? SessionManager.IsRunning(Session));

    /// <summary>The session's VM as this server holds it (its connection to the host), or null.</summary>
    public Hypervisors.Hosts.IHostedVm? HeldVm => _vm.Current;

    private bool IsDiskRecovery => Session.DiskRecovery is not null;

    /// <summary>The operations queued so far, for tests and shutdown.</summary>
    public Task Idle => _engine.Idle;

    public void BeginRecovery() => _engine.Enqueue(IsDiskRecovery ? _disk.RecoverAsync : _recovery.RecoverAsync, cancellable: true);

    /// <summary>Queues the removal of a VM its host could not remove when the session ended; a no-op otherwise.</summary>
    public void RemoveLeftover()
    {
        if (Session.LeftOnHost)
            _engine.Enqueue(_stop.RemoveLeftoverAsync, cancellable: false);
    }

    /// <summary>Carries on after a server restart from where the session's record and steps say it was.</summary>
    public void Resume()
    {
        var session = Session;
        if (session.IsFinal)
            return;
        _engine.ResumeJournal();
        if (session.Verification is not null)
        {
            // A verification is a test with a clock: a boot interrupted by a restart proves nothing, so it ends failed.
            _engine.Note("The server restarted during the verification; it ends here.");
            _engine.Enqueue(async ct =>
            {
                await ReattachAsync(ct).ConfigureAwait(false);
                await _verification.FailAsync("The server restarted during the verification; verify the restore point again.", [], null).ConfigureAwait(false);
            }, cancellable: false);
            return;
        }

        _engine.Note("The server restarted; the session resumes.");
        if (IsDiskRecovery)
        {
            ResumeDiskRecovery(session.State);
            return;
        }

        switch (session.State)
        {
            case SessionState.Starting:
                _engine.Enqueue(async ct =>
                {
                    await ReattachAsync(ct).ConfigureAwait(false);
                    await _recovery.RecoverAsync(ct).ConfigureAwait(false);
                }, cancellable: true);
                break;
            case SessionState.Ready:
                _engine.Enqueue(async ct =>
                {
                    await ReattachAsync(ct).ConfigureAwait(false);
                    if (Session.Migration is not null)
                        await _migration.MigrateAsync(ct).ConfigureAwait(false);
                }, cancellable: true);
                break;
            case SessionState.Migrating:
                _engine.ForgetDone(SessionPhase.MigratingToProduction);
                _engine.Enqueue(async ct =>
                {
                    await ReattachAsync(ct).ConfigureAwait(false);
                    await _migration.MigrateAsync(ct).ConfigureAwait(false);
                }, cancellable: true);
                break;
            case SessionState.Stopping:
                _engine.Enqueue(_stop.StopAsync, cancellable: false);
                break;
        }
    }

    private void ResumeDiskRecovery(SessionState state)
    {
        switch (state)
        {
            case SessionState.Starting:
                _engine.Enqueue(_disk.RecoverAsync, cancellable: true);
                break;
            case SessionState.Ready when Session.Migration is not null:
                _engine.Enqueue(_disk.MigrateAsync, cancellable: true);
                break;
            case SessionState.Migrating:
                _engine.ForgetDone(SessionPhase.MigratingToProduction);
                _engine.Enqueue(_disk.MigrateAsync, cancellable: true);
                break;
            case SessionState.Stopping:
                _engine.Enqueue(_disk.StopAsync, cancellable: false);
                break;
        }
    }

    /// <exception cref="LifeboatException">The session is not running from the backup.</exception>
    public void BeginMigration(MigrationRequest request) => _engine.Atomically(() =>
    {
        var session = Session;
        if (IsDiskRecovery)
        {
            if (session.State != SessionState.Ready || session.Migration is not null)
                throw LifeboatException.Conflict($"Session {session.Id} is {session.State.ToString().ToLowerInvariant()}; only a disk attached from the backup can be migrated.");
            _engine.Save(s => s with { Migration = request, MigrationError = null });
            _engine.Enqueue(_disk.MigrateAsync, cancellable: true);
            return;
        }

        if (session.Verification is not null)
            throw LifeboatException.Conflict($"Session {session.Id} is a verification: its VM is torn down once checked and is never migrated; recover the VM instantly to move it to production.");
        if (session.State != SessionState.Ready || session.Migration is not null)
        {
            throw LifeboatException.Conflict(session.State switch
            {
                SessionState.Starting => $"Session {session.Id} is still starting; migrate it once the guest answers (or recover with a migration target).",
                SessionState.Migrating => $"Session {session.Id} is already migrating to {session.Migration?.TargetDirectory}.",
                SessionState.Finalized => $"Session {session.Id} is finalized: its VM already runs from production storage.",
                _ => $"Session {session.Id} is {session.State.ToString().ToLowerInvariant()}; only a running session can be migrated.",
            });
        }

        if (!VmRunning || session.ReadyAt is null)
            throw LifeboatException.Conflict($"The VM of session {session.Id} is not running; stop the session and recover again.");
        _engine.Save(s => s with { Migration = request, MigrationError = null });
        _engine.Enqueue(_migration.MigrateAsync, cancellable: true);
    });

    /// <exception cref="LifeboatException">The session is finalized or already ended.</exception>
    public void BeginStop() => _engine.Atomically(() =>
    {
        var session = Session;
        // A finalized disk recovery's disk is detached on request too: its production file stays.
        if (IsDiskRecovery && session.State == SessionState.Finalized && !_engine.StopRequested)
        {
            _engine.RequestStop(_disk.StopAsync);
            return;
        }

        if (session.State == SessionState.Finalized)
        {
            throw LifeboatException.Conflict(
                $"Session {session.Id} is finalized: its VM runs from production storage ({string.Join(", ", session.ProductionDisks)}) and belongs to production now; Lifeboat leaves it alone.");
        }

        if (session.IsFinal)
            throw LifeboatException.Conflict($"Session {session.Id} has already ended ({session.State.ToString().ToLowerInvariant()}).");
        _engine.RequestStop(IsDiskRecovery ? _disk.StopAsync : _stop.StopAsync);
    });

    /// <summary>Server shutdown: stops working and lets go of the VM, which keeps running.</summary>
    public async ValueTask DisposeAsync()
    {
        await _engine.DisposeAsync().ConfigureAwait(false);
        await _vm.DisposeAsync().ConfigureAwait(false);
    }

    private Task ReattachAsync(CancellationToken cancellationToken) =>
        _vm.ReattachAsync(_engine.WasDone(SessionPhase.RegisteringAndStarting, RecoveryWorkflow.PowerOnStep), cancellationToken);
}
