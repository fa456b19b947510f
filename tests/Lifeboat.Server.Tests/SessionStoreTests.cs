using Lifeboat.Repository;
using Lifeboat.Server.Api;
using Lifeboat.Server.Data;
using Lifeboat.Server.Sessions;
using Lifeboat.Server.Tests.Support;

namespace Lifeboat.Server.Tests;

/// <summary>The SQLite store a restarted server resumes from.</summary>
public sealed class SessionStoreTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_session_and_its_steps_read_back_from_a_reopened_database()
    {
        using var folder = new TestFolder();
        var path = folder.Combine("lifeboat.db");
        var session = new SessionRecord
        {
            Id = "0a1b2c3d",
            Vm = "web-1",
            RequestedRestorePoint = "latest",
            RestorePointId = "rp1",
            DiskSizes = [128L << 20, 1L << 30],
            Hardware = new VmHardware(Cpus: 2, MemoryMiB: 512, DiskBus: "virtio"),
            State = SessionState.Ready,
            Phase = SessionPhase.RegisteringAndStarting,
            ReadyWhen = "console:READY",
            ReadyTimeoutSeconds = 300,
            FirmwareConfig = new Dictionary<string, string> { ["opt/lifeboat/mode"] = "write,stay" },
            Migration = new MigrationRequest("/prod", MigrationMethod.Quick, ProductionFormat.Qcow2),
            Publication = "web-1",
            DiskUrls = ["nfs://127.0.0.1/lifeboat/web-1/disk0.raw"],
            RuntimeDirectory = "/var/lib/lifeboat/runtime/0a1b2c3d",
            VmReference = "/var/lib/lifeboat/runtime/0a1b2c3d",
            CreatedAt = T0,
            ReadyAt = T0.AddSeconds(9.5),
        };
        using (var database = ServerDatabase.Open(path))
        {
            var store = new SessionStore(database);
            store.Insert(session with { State = SessionState.Starting });
            store.Update(session);
            var first = store.BeginStep(session.Id, SessionPhase.Initialization, "Find the restore point", T0);
            store.EndStep(session.Id, first, StepResult.Ok, T0.AddSeconds(0.25), "found");
            store.BeginStep(session.Id, SessionPhase.RegisteringAndStarting, "Wait for the guest", T0.AddSeconds(1));
            store.Log(session.Id, "info", "hello", T0);
        }

        using (var database = ServerDatabase.Open(path))
        {
            var store = new SessionStore(database);
            var read = store.Get(session.Id)!;
            Assert.Equal(session.State, read.State);
            Assert.Equal(session.DiskSizes, read.DiskSizes);
            Assert.Equal(session.Hardware, read.Hardware);
            Assert.Equal(session.Migration, read.Migration);
            Assert.Equal(session.FirmwareConfig, read.FirmwareConfig);
            Assert.Equal(session.VmReference, read.VmReference);
            Assert.Equal(9.5, read.RecoverySeconds);
            Assert.Equal([session.Id], store.List().Select(s => s.Id));

            store.InterruptRunningSteps(session.Id, T0.AddSeconds(5));
            var steps = store.GetSteps(session.Id);
            Assert.Equal([StepResult.Ok, StepResult.Interrupted], steps.Select(s => s.Result));
            Assert.Equal(0.25, steps[0].DurationSeconds);
            Assert.Equal(4, steps[1].DurationSeconds);
            Assert.Equal("hello", Assert.Single(store.GetLog(session.Id)).Message);
        }
    }

    [Fact]
    public void Phases_span_their_steps_and_take_the_worst_result()
    {
        SessionStep Step(int seq, SessionPhase phase, double start, double? end, StepResult result) =>
            new(seq, phase, "s" + seq, T0.AddSeconds(start), end is { } e ? T0.AddSeconds(e) : null, result, null);
        var phases = PhaseViews.From(
        [
            Step(1, SessionPhase.Initialization, 0, 1, StepResult.Ok),
            Step(2, SessionPhase.Initialization, 1, 3, StepResult.Ok),
            Step(3, SessionPhase.NfsMapping, 3, 3.5, StepResult.Failed),
            Step(4, SessionPhase.Stop, 3.5, null, StepResult.Running),
        ]);
        Assert.Equal([SessionPhase.Initialization, SessionPhase.NfsMapping, SessionPhase.Stop], phases.Select(p => p.Phase));
        Assert.Equal([3, 0.5, null], phases.Select(p => p.DurationSeconds));
        Assert.Equal([StepResult.Ok, StepResult.Failed, StepResult.Running], phases.Select(p => p.Result));

        // Between two steps of the phase a starting session is in, every step so far has ended: the phase is still running.
        List<SessionStep> between =
        [
            Step(1, SessionPhase.Initialization, 0, 1, StepResult.Ok),
            Step(2, SessionPhase.RegisteringAndStarting, 1, 2, StepResult.Ok),
        ];
        var starting = PhaseViews.From(between, PhaseViews.Working(SessionState.Starting, SessionPhase.RegisteringAndStarting));
        Assert.Equal([StepResult.Ok, StepResult.Running], starting.Select(p => p.Result));
        Assert.Equal([1, null], starting.Select(p => p.DurationSeconds));
        var ready = PhaseViews.From(between, PhaseViews.Working(SessionState.Ready, SessionPhase.RegisteringAndStarting));
        Assert.Equal([StepResult.Ok, StepResult.Ok], ready.Select(p => p.Result));
    }

    [Fact]
    public void A_database_from_a_newer_server_is_refused_with_advice()
    {
        using var folder = new TestFolder();
        var path = folder.Combine("lifeboat.db");
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            ServerDatabase.Execute(connection, "PRAGMA user_version=99;");
        }

        var error = Assert.Throws<InvalidDataException>(() => ServerDatabase.Open(path));
        Assert.Contains("newer Lifeboat", error.Message, StringComparison.Ordinal);
    }
}
