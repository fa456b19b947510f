using System.Diagnostics.Metrics;
using Lifeboat.Server.Contracts.Jobs;
using Lifeboat.Server.Data;
using Lifeboat.Server.Sessions;
using Microsoft.Data.Sqlite;

namespace Lifeboat.Server.Metrics;

/// <summary>The <c>Lifeboat.Server</c> meter: backup and verification outcomes, and the sessions by state.</summary>
internal static class ServerMetrics
{
    public const string StateTag = "state";

    public static readonly Meter Meter = new("Lifeboat.Server");

    /// <summary>Runs of backup jobs that ended, by outcome.</summary>
    public static readonly OutcomeCounter<JobRunOutcome> Backups = new(Meter, "lifeboat.backups", "{backup}",
        "Backup job runs that ended, by outcome.", JobRunOutcome.Succeeded, JobRunOutcome.Failed, JobRunOutcome.Interrupted);

    public static readonly OutcomeCounter<VerificationResult> Verifications = new(Meter, "lifeboat.verifications", "{verification}",
        "Boot verifications of restore points that ended, by outcome.", VerificationResult.Passed, VerificationResult.Failed);

    private static readonly KeyValuePair<string, object?>[] States =
        [.. Enum.GetValues<SessionState>().Select(s => new KeyValuePair<string, object?>(StateTag, s.ToString().ToLowerInvariant()))];

    private static SessionStore? s_sessions;

    static ServerMetrics() =>
        Meter.CreateObservableGauge("lifeboat.sessions", ObserveSessions, "{session}", "Sessions in the server's database, by state.");

    /// <summary>Where <c>lifeboat.sessions</c> counts from; the server sets it once it has its database.</summary>
    public static void CountSessionsIn(SessionStore store) => s_sessions = store;

    /// <summary>One measurement per state, zero for a state no session is in.</summary>
    public static Measurement<int>[] SessionMeasurements(IReadOnlyDictionary<SessionState, int> counts)
    {
        var values = Enum.GetValues<SessionState>();
        var measurements = new Measurement<int>[values.Length];
        for (var i = 0; i < values.Length; i++)
            measurements[i] = new Measurement<int>(counts.GetValueOrDefault(values[i]), States[i]);
        return measurements;
    }

    private static IEnumerable<Measurement<int>> ObserveSessions()
    {
        if (s_sessions is not { } store)
            return [];
        try
        {
            return SessionMeasurements(store.CountByState());
        }
        catch (Exception e) when (e is SqliteException or ObjectDisposedException or InvalidOperationException)
        {
            // The database is closing with the server: this scrape has no session counts.
            return [];
        }
    }
}
