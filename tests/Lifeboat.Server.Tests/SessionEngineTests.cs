using Lifeboat.Server.Data;
using Lifeboat.Server.Sessions;
using Lifeboat.Server.Sessions.Engine;
using Lifeboat.Server.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Lifeboat.Server.Tests;

/// <summary>The session engine on its own, over the real SQLite store: its steps, their journal, resume and stop.</summary>
public sealed class SessionEngineTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 8, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly TestFolder _folder = new();
    private readonly ServerDatabase _database;
    private readonly SessionStore _store;
    private readonly FakeTimeProvider _time = new(T0);
    private readonly SessionRecord _session = new() { Id = "e0e0e0e0", Vm = "web-1", ReadyWhen = "running", CreatedAt = T0 };

    public SessionEngineTests()
    {
        _database = ServerDatabase.Open(_folder.Combine("lifeboat.db"));
        _store = new SessionStore(_database);
        _store.Insert(_session);
    }

    public void Dispose()
    {
        _database.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public async Task After_a_restart_steps_recorded_ok_or_skipped_are_not_run_again_and_the_interrupted_one_is()
    {
        var runs = new Dictionary<string, int>();
        var runningC = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Func<CancellationToken, Task<string?>> Counted(string name, Func<CancellationToken, Task<string?>> body) => ct =>
        {
            runs[name] = runs.GetValueOrDefault(name) + 1;
            return body(ct);
        };

        async Task Operation(SessionEngine engine, bool block, CancellationToken ct)
        {
            await engine.StepAsync(SessionPhase.Initialization, "A", Counted("A", _ =>
            {
                engine.Save(s => s with { RestorePointId = "rp-7" });
                return Task.FromResult<string?>("found rp-7");
            }), ct);
            await engine.StepAsync(SessionPhase.Initialization, "B", Counted("B", _ => throw new StepSkippedException("nothing to do")), ct);
            await engine.StepAsync(SessionPhase.NfsMapping, "C", Counted("C", async c =>
            {
                if (block)
                {
                    runningC.SetResult();
                    await Task.Delay(Timeout.Infinite, c);
                }

                return "mapped";
            }), ct);
        }

        var first = NewEngine(_session);
        first.Enqueue(ct => Operation(first, block: true, ct), cancellable: true);
        await runningC.Task.WaitAsync(Patience);
        await first.DisposeAsync();
        // The server went down mid-step: the step stays recorded as running until the next start says otherwise.
        Assert.Equal([StepResult.Ok, StepResult.Skipped, StepResult.Running], _store.GetSteps(_session.Id).Select(s => s.Result));

        var saved = _store.Get(_session.Id)!;
        Assert.Equal("rp-7", saved.RestorePointId);
        Assert.Equal(SessionPhase.NfsMapping, saved.Phase);
        await using var second = NewEngine(saved);
        second.ResumeJournal();
        second.Enqueue(ct => Operation(second, block: false, ct), cancellable: true);
        await second.Idle.WaitAsync(Patience);

        Assert.Equal(1, runs["A"]);
        Assert.Equal(1, runs["B"]);
        Assert.Equal(2, runs["C"]);
        var steps = _store.GetSteps(_session.Id);
        Assert.Equal(["A", "B", "C", "C"], steps.Select(s => s.Name));
        Assert.Equal([StepResult.Ok, StepResult.Skipped, StepResult.Interrupted, StepResult.Ok], steps.Select(s => s.Result));
        Assert.Equal("nothing to do", steps[1].Message);
        Assert.Equal("mapped", steps[3].Message);
    }

    [Fact]
    public async Task A_failing_step_records_its_message_and_ends_the_operation_a_tried_one_does_not()
    {
        await using var engine = NewEngine(_session);
        string? caught = null;
        var after = false;
        engine.Enqueue(async ct =>
        {
            await engine.TryStepAsync(SessionPhase.Stop, "Power off the VM", _ => throw new InvalidOperationException("the monitor is closed"), ct);
            await engine.TryStepAsync(SessionPhase.Stop, "Undefine the VM", _ => throw new StepSkippedException("the VM was not defined"), ct);
            try
            {
                await engine.StepAsync(SessionPhase.Stop, "Unpublish the VM", _ =>
                {
                    _time.Advance(TimeSpan.FromSeconds(2.5));
                    throw new SessionStepException("Publication web-1 is held by the mount server; restart it.");
                }, ct);
                after = true;
            }
            catch (SessionStepException e)
            {
                caught = e.Message;
            }
        }, cancellable: true);
        await engine.Idle.WaitAsync(Patience);

        Assert.False(after);
        Assert.Equal("Publication web-1 is held by the mount server; restart it.", caught);
        var steps = _store.GetSteps(_session.Id);
        Assert.Equal([StepResult.Failed, StepResult.Skipped, StepResult.Failed], steps.Select(s => s.Result));
        // A message that is not a sentence for the user says what kind of error it was.
        Assert.Equal("InvalidOperationException: the monitor is closed", steps[0].Message);
        Assert.Equal("the VM was not defined", steps[1].Message);
        Assert.Equal(caught, steps[2].Message);
        Assert.Equal(2.5, steps[2].DurationSeconds);
        Assert.Equal(SessionPhase.Stop, _store.Get(_session.Id)!.Phase);
    }

    [Fact]
    public async Task A_stop_cancels_the_running_operation_records_its_step_interrupted_and_runs_once()
    {
        await using var engine = NewEngine(_session);
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var queuedAfterRan = false;
        var stops = 0;
        engine.Enqueue(ct => engine.StepAsync(SessionPhase.MigratingToProduction, "Mirror the disks", async c =>
        {
            running.SetResult();
            await Task.Delay(Timeout.Infinite, c);
            return "in sync";
        }, ct), cancellable: true);
        engine.Enqueue(_ =>
        {
            queuedAfterRan = true;
            return Task.CompletedTask;
        }, cancellable: true);
        await running.Task.WaitAsync(Patience);

        Task Stop(CancellationToken ct) => engine.StepAsync(SessionPhase.Stop, "Power off the VM", _ =>
        {
            stops++;
            engine.Save(s => s with { State = SessionState.Stopped });
            return Task.FromResult<string?>("QEMU quit");
        }, ct);
        Assert.True(engine.RequestStop(Stop));
        Assert.False(engine.RequestStop(Stop));
        await engine.Idle.WaitAsync(Patience);

        Assert.Equal(1, stops);
        Assert.False(queuedAfterRan, "an operation queued before the stop still ran");
        var steps = _store.GetSteps(_session.Id);
        Assert.Equal([("Mirror the disks", StepResult.Interrupted), ("Power off the VM", StepResult.Ok)], steps.Select(s => (s.Name, s.Result)));
        Assert.Equal("Stopped by request.", steps[0].Message);
        Assert.Equal(SessionState.Stopped, _store.Get(_session.Id)!.State);
        Assert.True(engine.StopRequested);
    }

    [Fact]
    public async Task Notes_warnings_and_saves_are_kept_and_each_raises_the_change_signal()
    {
        var all = new SessionChangeSignal();
        await using var engine = new SessionEngine(_store, _session, all, _time, NullLogger.Instance);
        var before = engine.Changes.Version;
        engine.Note("The server restarted; the session resumes.");
        engine.Warn("The VM is not running any more.");
        engine.Save(s => s with { State = SessionState.Ready });
        engine.ReportProgress("mirror", 1, 4);

        Assert.Equal(before + 3, engine.Changes.Version);
        Assert.Equal(3, all.Version);
        Assert.Equal(["info", "warning"], _store.GetLog(_session.Id).Select(l => l.Level));
        Assert.Equal(SessionState.Ready, _store.Get(_session.Id)!.State);
        Assert.Equal(new MigrationProgress("mirror", 1, 4), engine.Progress);
        engine.ClearProgress();
        Assert.Null(engine.Progress);
    }

    private SessionEngine NewEngine(SessionRecord session) =>
        new(_store, session, new SessionChangeSignal(), _time, NullLogger.Instance);
}
