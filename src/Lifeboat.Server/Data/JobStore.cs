using System.Text.Json;
using Lifeboat.Server.Contracts.Jobs;
using Lifeboat.Server.Jobs;
using Microsoft.Data.Sqlite;

namespace Lifeboat.Server.Data;

/// <summary>Backup jobs and the history of their runs in the server's database.</summary>
public sealed class JobStore(ServerDatabase database)
{
    private const int MaxMessageChars = 8000;

    private const string RunColumns =
        "id, job, attempt, trigger, started_at, ended_at, outcome, restore_point_id, bytes_read, bytes_stored, consistency, change_tracking_used, change_tracking, retention, error, retry_at, verification";

    /// <returns>False when a job of that name exists.</returns>
    public bool Insert(JobRecord job) => database.Write(connection =>
        ServerDatabase.Execute(connection,
            "INSERT INTO jobs (name, spec, created_at, next_run_at) VALUES ($name, $spec, $created, $next) ON CONFLICT(name) DO NOTHING",
            ("$name", job.Name), ("$spec", Serialize(job.Spec)), ("$created", Time(job.CreatedAt)), ("$next", Time(job.NextRunAt))) > 0);

    public JobRecord? Get(string name) => database.Read(connection =>
    {
        using var command = ServerDatabase.Command(connection,
            "SELECT spec, created_at, next_run_at, retry_at, retry_attempt FROM jobs WHERE name = $name", ("$name", name));
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadJob(reader) : null;
    });

    /// <summary>By name.</summary>
    public IReadOnlyList<JobRecord> List() => database.Read(connection =>
    {
        using var command = ServerDatabase.Command(connection, "SELECT spec, created_at, next_run_at, retry_at, retry_attempt FROM jobs ORDER BY name");
        using var reader = command.ExecuteReader();
        var jobs = new List<JobRecord>();
        while (reader.Read())
            jobs.Add(ReadJob(reader));
        return jobs;
    });

    /// <summary>Removes the job and its history; its restore points stay in the repository.</summary>
    /// <returns>False when there was no such job.</returns>
    public bool Delete(string name) => database.Write(connection =>
    {
        ServerDatabase.Execute(connection, "DELETE FROM job_runs WHERE job = $name", ("$name", name));
        return ServerDatabase.Execute(connection, "DELETE FROM jobs WHERE name = $name", ("$name", name)) > 0;
    });

    /// <summary>Replaces a job's definition and its next run; its history and a planned retry stay.</summary>
    /// <returns>False when there is no such job.</returns>
    public bool Update(string name, JobSpec spec, DateTimeOffset nextRunAt) => database.Write(connection =>
        ServerDatabase.Execute(connection, "UPDATE jobs SET spec = $spec, next_run_at = $next WHERE name = $name",
            ("$name", name), ("$spec", Serialize(spec)), ("$next", Time(nextRunAt))) > 0);

    public void SetNextRun(string name, DateTimeOffset at) => database.Write(connection =>
        ServerDatabase.Execute(connection, "UPDATE jobs SET next_run_at = $at WHERE name = $name", ("$name", name), ("$at", Time(at))));

    /// <summary>Plans attempt <paramref name="attempt"/> at <paramref name="at"/>, or (null) plans none.</summary>
    public void SetRetry(string name, DateTimeOffset? at, int? attempt) => database.Write(connection =>
        ServerDatabase.Execute(connection, "UPDATE jobs SET retry_at = $at, retry_attempt = $attempt WHERE name = $name",
            ("$name", name), ("$at", at is { } time ? Time(time) : null), ("$attempt", attempt)));

    /// <summary>Records a run as running and returns its id.</summary>
    public long BeginRun(string job, int attempt, JobRunTrigger trigger, DateTimeOffset startedAt) => database.Write(connection =>
        Convert.ToInt64(ServerDatabase.Scalar(connection,
            "INSERT INTO job_runs (job, attempt, trigger, started_at, outcome) VALUES ($job, $attempt, $trigger, $started, $outcome) RETURNING id",
            ("$job", job), ("$attempt", attempt), ("$trigger", trigger.ToString()), ("$started", Time(startedAt)),
            ("$outcome", JobRunOutcome.Running.ToString())), System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Records how a run ended, with what its backup did when it got that far.</summary>
    public void EndRun(long id, JobRunOutcome outcome, DateTimeOffset endedAt, VmBackupResult? backup, string? retention, string? error, DateTimeOffset? retryAt) =>
        database.Write(connection => ServerDatabase.Execute(connection,
            """
            UPDATE job_runs SET ended_at = $ended, outcome = $outcome, restore_point_id = $point, bytes_read = $read, bytes_stored = $stored,
                consistency = $consistency, change_tracking_used = $used, change_tracking = $tracking, retention = $retention, error = $error, retry_at = $retry
            WHERE id = $id
            """,
            ("$id", id), ("$ended", Time(endedAt)), ("$outcome", outcome.ToString()), ("$point", backup?.RestorePointId),
            ("$read", backup?.BytesRead), ("$stored", backup?.BytesStored), ("$consistency", backup?.Consistency),
            ("$used", backup is null ? null : backup.ChangeTrackingUsed ? 1 : 0), ("$tracking", backup?.ChangeTracking),
            ("$retention", Cap(retention)), ("$error", Cap(error)), ("$retry", retryAt is { } retry ? Time(retry) : null)));

    /// <summary>Notes the boot verification a run started (or why it started none).</summary>
    public void SetVerification(long id, string verification) => database.Write(connection =>
        ServerDatabase.Execute(connection, "UPDATE job_runs SET verification = $verification WHERE id = $id", ("$id", id), ("$verification", Cap(verification))));

    public JobRunView? GetRun(string job, long id) => database.Read(connection =>
    {
        using var command = ServerDatabase.Command(connection, $"SELECT {RunColumns} FROM job_runs WHERE job = $job AND id = $id", ("$job", job), ("$id", id));
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadRun(reader) : null;
    });

    /// <summary>Newest first.</summary>
    public IReadOnlyList<JobRunView> GetRuns(string job, int limit) => database.Read(connection =>
    {
        using var command = ServerDatabase.Command(connection,
            $"SELECT {RunColumns} FROM job_runs WHERE job = $job ORDER BY id DESC LIMIT $limit", ("$job", job), ("$limit", limit));
        return ReadRuns(command);
    });

    /// <summary>Runs recorded as running: at start, those a stopped server left behind.</summary>
    public IReadOnlyList<JobRunView> GetRunning() => database.Read(connection =>
    {
        using var command = ServerDatabase.Command(connection, $"SELECT {RunColumns} FROM job_runs WHERE outcome = $running ORDER BY id",
            ("$running", JobRunOutcome.Running.ToString()));
        return ReadRuns(command);
    });

    /// <summary>How the runs that started at or after <paramref name="since"/> ended: each outcome, split by whether a retry followed.</summary>
    public IReadOnlyList<(JobRunOutcome Outcome, bool Retried, int Count)> CountRunsSince(DateTimeOffset since) => database.Read(connection =>
    {
        using var command = ServerDatabase.Command(connection,
            "SELECT outcome, retry_at IS NOT NULL, COUNT(*) FROM job_runs WHERE started_at >= $since GROUP BY outcome, retry_at IS NOT NULL",
            ("$since", Time(since)));
        using var reader = command.ExecuteReader();
        var counts = new List<(JobRunOutcome, bool, int)>();
        while (reader.Read())
            counts.Add((Enum.Parse<JobRunOutcome>(reader.GetString(0)), reader.GetInt64(1) != 0, reader.GetInt32(2)));
        return counts;
    });

    /// <summary>The newest failed runs of every job, newest first.</summary>
    public IReadOnlyList<JobRunView> GetFailedRuns(int limit) => database.Read(connection =>
    {
        using var command = ServerDatabase.Command(connection, $"SELECT {RunColumns} FROM job_runs WHERE outcome = $failed ORDER BY id DESC LIMIT $limit",
            ("$failed", JobRunOutcome.Failed.ToString()), ("$limit", limit));
        return ReadRuns(command);
    });

    /// <summary>When each job's newest successful run started (the time of the restore point it made), by job.</summary>
    public IReadOnlyDictionary<string, DateTimeOffset> LastSucceededStarts() => database.Read(connection =>
    {
        using var command = ServerDatabase.Command(connection, "SELECT job, MAX(started_at) FROM job_runs WHERE outcome = $succeeded GROUP BY job",
            ("$succeeded", JobRunOutcome.Succeeded.ToString()));
        using var reader = command.ExecuteReader();
        var starts = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        while (reader.Read())
            starts[reader.GetString(0)] = ParseTime(reader.GetString(1));
        return starts;
    });

    private static List<JobRunView> ReadRuns(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var runs = new List<JobRunView>();
        while (reader.Read())
            runs.Add(ReadRun(reader));
        return runs;
    }

    private static JobRecord ReadJob(SqliteDataReader reader) => new(
        Deserialize(reader.GetString(0)),
        ParseTime(reader.GetString(1)),
        ParseTime(reader.GetString(2)),
        reader.IsDBNull(3) ? null : ParseTime(reader.GetString(3)),
        reader.IsDBNull(4) ? null : reader.GetInt32(4));

    private static JobRunView ReadRun(SqliteDataReader reader)
    {
        var started = ParseTime(reader.GetString(4));
        DateTimeOffset? ended = reader.IsDBNull(5) ? null : ParseTime(reader.GetString(5));
        string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
        long? Number(int i) => reader.IsDBNull(i) ? null : reader.GetInt64(i);
        return new JobRunView(
            reader.GetInt64(0),
            reader.GetString(1),
            reader.GetInt32(2),
            Enum.Parse<JobRunTrigger>(reader.GetString(3)),
            started,
            ended,
            ended is { } end ? Math.Round((end - started).TotalSeconds, 3) : null,
            Enum.Parse<JobRunOutcome>(reader.GetString(6)),
            Text(7),
            Number(8),
            Number(9),
            Text(10),
            Number(11) is { } used ? used != 0 : null,
            Text(12),
            Text(13),
            Text(14),
            Text(15) is { } retry ? ParseTime(retry) : null,
            Text(16));
    }

    private static string Serialize(JobSpec spec) => JsonSerializer.Serialize(spec, ContractsJsonContext.Default.JobSpec);

    private static JobSpec Deserialize(string document) =>
        JsonSerializer.Deserialize(document, ContractsJsonContext.Default.JobSpec)
        ?? throw new InvalidDataException("A job in the database is empty; the database is damaged.");

    private static string Time(DateTimeOffset time) => ServerDatabase.FormatTime(time);

    private static DateTimeOffset ParseTime(string text) => ServerDatabase.ParseTime(text);

    private static string? Cap(string? message) => message is { Length: > MaxMessageChars } ? message[..MaxMessageChars] + "…" : message;
}
