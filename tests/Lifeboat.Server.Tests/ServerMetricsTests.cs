using System.Diagnostics.Metrics;
using Lifeboat.Server.Contracts.Jobs;
using Lifeboat.Server.Data;
using Lifeboat.Server.Metrics;
using Lifeboat.Server.Sessions;
using Lifeboat.Server.Tests.Support;

namespace Lifeboat.Server.Tests;

/// <summary>The numbers behind lifeboat_sessions, lifeboat_backups_total and lifeboat_verifications_total.</summary>
public sealed class ServerMetricsTests
{
    [Fact]
    public void Sessions_are_counted_by_state_from_the_database()
    {
        using var folder = new TestFolder();
        using var database = ServerDatabase.Open(folder.Combine("lifeboat.db"));
        var store = new SessionStore(database);
        Assert.Empty(store.CountByState());
        var states = new[] { SessionState.Ready, SessionState.Ready, SessionState.Stopped, SessionState.Failed, SessionState.Ready };
        for (var i = 0; i < states.Length; i++)
        {
            store.Insert(new SessionRecord { Id = $"s{i}", Vm = "vm", ReadyWhen = "running", State = SessionState.Starting, CreatedAt = DateTimeOffset.UnixEpoch.AddMinutes(i) });
            store.Update(new SessionRecord { Id = $"s{i}", Vm = "vm", ReadyWhen = "running", State = states[i], CreatedAt = DateTimeOffset.UnixEpoch.AddMinutes(i) });
        }

        var counts = store.CountByState();
        Assert.Equal(3, counts[SessionState.Ready]);
        Assert.Equal(1, counts[SessionState.Stopped]);
        Assert.Equal(1, counts[SessionState.Failed]);
        Assert.False(counts.ContainsKey(SessionState.Migrating));

        // Every state is measured, zero where no session is: a dashboard sees "0 migrating", not a missing series.
        var measurements = ServerMetrics.SessionMeasurements(counts);
        Assert.Equal(Enum.GetValues<SessionState>().Length, measurements.Length);
        Assert.Equal(3, Single(measurements, "ready"));
        Assert.Equal(1, Single(measurements, "stopped"));
        Assert.Equal(0, Single(measurements, "migrating"));
        Assert.Equal(0, Single(measurements, "starting"));
        Assert.Equal(states.Length, measurements.Sum(m => m.Value));
    }

    [Fact]
    public void Outcomes_are_counted_apart_and_each_is_measured_from_zero()
    {
        using var meter = new Meter("Lifeboat.Test.Outcomes." + Guid.NewGuid().ToString("N"));
        var backups = new OutcomeCounter<JobRunOutcome>(meter, "lifeboat.test.backups", "{backup}", "Backups.",
            JobRunOutcome.Succeeded, JobRunOutcome.Failed, JobRunOutcome.Interrupted);
        var seen = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == meter)
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) => seen[(string)tags[0].Value!] = value);
        listener.Start();

        listener.RecordObservableInstruments();
        Assert.Equal(new Dictionary<string, long> { ["succeeded"] = 0, ["failed"] = 0, ["interrupted"] = 0 }, seen);

        backups.Add(JobRunOutcome.Succeeded);
        backups.Add(JobRunOutcome.Succeeded);
        backups.Add(JobRunOutcome.Failed);
        backups.Add(JobRunOutcome.Running); // not an end: not counted
        listener.RecordObservableInstruments();
        Assert.Equal(new Dictionary<string, long> { ["succeeded"] = 2, ["failed"] = 1, ["interrupted"] = 0 }, seen);
        Assert.Equal(2, backups.Count(JobRunOutcome.Succeeded));
        Assert.Equal(0, backups.Count(JobRunOutcome.Running));
    }

    private static int Single(Measurement<int>[] measurements, string state) =>
        Assert.Single(measurements, m => (string?)m.Tags[0].Value == state).Value;
}
