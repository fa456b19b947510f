using System.Collections.Concurrent;
using Lifeboat.Server.Contracts.Jobs;
using Lifeboat.Server.Data;
using Lifeboat.Server.Hosting;
using Lifeboat.Server.Inventory;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Server.Jobs;

/// <summary>
/// The server's backup jobs: added, listed, run now or by their schedule, removed. Each run is recorded in the
/// database when it starts and when it ends; a failed run is tried again after <see cref="RetryDelay"/> as often as
/// the job allows, and a run the server's stop or crash interrupted is tried again when the server starts. Two runs
/// of one job never overlap. Time comes from the <see cref="TimeProvider"/>, so tests move it without waiting.
/// </summary>
public sealed class JobScheduler(
    JobStore store,
    RepositoryRegistry repositories,
    IVmBackupRunner backups,
    RetentionGate retention,
    DataFolder data,
    TimeProvider time,
    ILogger<JobScheduler> logger,
    IRestorePointVerifier? verifier = null,
    Notifications.INotificationSink? notifications = null) : IHostedService, IAsyncDisposable
{
    public static readonly TimeSpan RetryDelay = TimeSpan.FromMinutes(5);

    public const int DefaultHistoryLimit = 100;

    /// <summary>Raised when a run has ended (whatever its outcome) and its outcome is recorded, on the run's own task; handlers must be quick and not throw.</summary>
    public event Action<JobSpec>? RunEnded;

    /// <summary>The loop looks again at least this often, so a changed clock (or time zone) is noticed.</summary>
    private static readonly TimeSpan MaxSleep = TimeSpan.FromHours(1);

    private static readonly TimeSpan FailedLoopDelay = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, ActiveRun> _active = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        InterruptLeftovers();
        _loop = Task.Run(LoopAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Stops scheduling; runs in progress are cancelled, recorded as interrupted and tried again at the next start.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stopping.IsCancellationRequested)
            return;
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await Task.WhenAll(_active.Values.Select(r => r.Task)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        _stopping.Dispose();
        _wake.Dispose();
    }

    /// <exception cref="ArgumentException">The definition is not valid.</exception>
    /// <exception cref="LifeboatException">A job of that name exists.</exception>
    public JobView Add(JobSpec spec)
    {
        var normalized = JobSpecValidation.Normalize(spec, repositories);
        var now = time.GetUtcNow();
        var job = new JobRecord(normalized, now, JobSchedule.Parse(normalized.Schedule).NextAfter(now, time.LocalTimeZone), null, null);
        if (!store.Insert(job))
            throw LifeboatException.Conflict($"There is already a job {spec.Name}; remove it first, or pick another name.", JobSpecField.Name);
        JobLog.Added(logger, job.Name, normalized.Source.Describe(), normalized.Schedule, job.NextRunAt);
        Wake();
        return View(job);
    }

    /// <exception cref="LifeboatException">No such job.</exception>
    /// <exception cref="LifeboatException">The job is running.</exception>
    public void Remove(string name)
    {
        lock (_gate)
        {
            if (_active.ContainsKey(name))
                throw LifeboatException.Conflict($"Job {name} is running; remove it when the run has ended (its history shows the run).");
            if (!store.Delete(name))
                throw NoJob(name);
        }

        JobLog.Removed(logger, name);
        Wake();
    }

    /// <summary>Changes a job's definition (not its name); its next run is computed again from its schedule.</summary>
    /// <exception cref="LifeboatException">No such job.</exception>
    /// <exception cref="ArgumentException">The definition is not valid, or names another job.</exception>
    public JobView Edit(string name, JobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!string.Equals(spec.Name, name, StringComparison.Ordinal))
            throw new InvalidJobSpecException(JobSpecField.Name, $"A job keeps its name: the definition names {spec.Name} and the job is {name}; add a job of the new name and remove this one instead.");
        if (store.Get(name) is null)
            throw NoJob(name);
        var normalized = JobSpecValidation.Normalize(spec, repositories);
        return Replace(normalized);
    }

    /// <summary>A disabled job never runs by its schedule nor retries; enabled again, it next runs when its schedule says from now.</summary>
    /// <exception cref="LifeboatException">No such job.</exception>
    public JobView SetEnabled(string name, bool enabled)
    {
        var job = store.Get(name) ?? throw NoJob(name);
        return job.Spec.Enabled == enabled ? View(job) : Replace(job.Spec with { Enabled = enabled });
    }

    private JobView Replace(JobSpec spec)
    {
        var next = JobSchedule.Parse(spec.Schedule).NextAfter(time.GetUtcNow(), time.LocalTimeZone);
        if (!store.Update(spec.Name, spec, next))
            throw NoJob(spec.Name);
        if (!spec.Enabled)
            store.SetRetry(spec.Name, null, null);
        JobLog.Changed(logger, spec.Name, spec.Source.Describe(), spec.Schedule, spec.Enabled, next);
        Wake();
        return View(store.Get(spec.Name) ?? throw NoJob(spec.Name));
    }

    public JobView? Get(string name) => store.Get(name) is { } job ? View(job) : null;

    public IReadOnlyList<JobView> List() => [.. store.List().Select(View)];

    /// <summary>Starts a run now; it goes on in the background.</summary>
    /// <exception cref="LifeboatException">No such job.</exception>
    /// <exception cref="LifeboatException">A run of the job is in progress.</exception>
    public JobRunView RunNow(string name)
    {
        var job = store.Get(name) ?? throw NoJob(name);
        return Start(job, attempt: 1, JobRunTrigger.Manual)
            ?? throw LifeboatException.Conflict($"Job {name} is already running; its history shows the run.");
    }

    /// <summary>Newest first.</summary>
    /// <exception cref="LifeboatException">No such job.</exception>
    public IReadOnlyList<JobRunView> History(string name, int limit = DefaultHistoryLimit) =>
        store.Get(name) is null ? throw NoJob(name) : store.GetRuns(name, limit);

    public JobRunView? GetRun(string name, long id) => store.GetRun(name, id);

    /// <summary>The runs in progress, by job name, with how far their backups have read.</summary>
    public IReadOnlyList<ActiveJobRun> Running() =>
        [.. _active.Values.Select(r => (Run: r, Progress: r.Progress.Latest))
            .Select(r => new ActiveJobRun(r.Run.Job, r.Run.Vm, r.Run.Id, r.Run.Attempt, r.Run.StartedAt, r.Progress?.BytesScanned, r.Progress?.TotalBytes))
            .OrderBy(r => r.Job, StringComparer.Ordinal)];

    /// <summary>The run of the job in progress, to wait for (tests use it); a completed task when there is none.</summary>
    public Task RunInProgress(string name) => _active.TryGetValue(name, out var run) ? run.Task : Task.CompletedTask;

    public static LifeboatException NoJob(string name) => LifeboatException.NotFound($"There is no job {name}.", "name");

    private JobView View(JobRecord job) => new(
        job.Spec, job.Spec.Source.Describe(), job.CreatedAt, job.NextRunAt, job.RetryAt, _active.ContainsKey(job.Name),
        store.GetRuns(job.Name, 1) is [var last] ? last : null) { ScheduleZone = time.LocalTimeZone.Id };

    /// <summary>At start: runs a stopped server left running are interrupted, and tried again now if the job allows.</summary>
    private void InterruptLeftovers()
    {
        var now = time.GetUtcNow();
        foreach (var run in store.GetRunning())
        {
            var job = store.Get(run.Job);
            var retryAt = job is not null && run.Attempt <= job.Spec.Retries ? now : (DateTimeOffset?)null;
            store.EndRun(run.Id, JobRunOutcome.Interrupted, now, null, null, JobRun.InterruptedMessage, retryAt);
            if (job is not null)
                store.SetRetry(job.Name, retryAt, retryAt is null ? null : run.Attempt + 1);
            JobLog.RunInterrupted(logger, run.Job, run.Id, retryAt?.ToString("O") ?? "none");
        }
    }

    private async Task LoopAsync()
    {
        var stopping = _stopping.Token;
        while (!stopping.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            var wakeAt = now + MaxSleep;
            try
            {
                foreach (var job in store.List())
                {
                    var due = StartDue(job, now);
                    if (due < wakeAt)
                        wakeAt = due;
                }
            }
            catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or IOException or InvalidDataException or ArgumentException or LifeboatException)
            {
                // The database or a job's record could not be read: scheduling goes on and looks again later.
                JobLog.SchedulingFailed(logger, e, FailedLoopDelay.TotalSeconds);
                wakeAt = now + FailedLoopDelay;
            }

            // Armed against the clock as it is now, not as it was when the jobs were read: a clock that moved meanwhile
            // (a slow database, a test's fake clock) must not make the loop sleep past a due run.
            var sleep = wakeAt - time.GetUtcNow();
            using var timer = time.CreateTimer(_ => Wake(), null, sleep < TimeSpan.Zero ? TimeSpan.Zero : sleep, Timeout.InfiniteTimeSpan);
            try
            {
                await _wake.WaitAsync(stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Starts what is due of <paramref name="job"/> and returns when it is next due.</summary>
    private DateTimeOffset StartDue(JobRecord job, DateTimeOffset now)
    {
        if (!job.Spec.Enabled)
        {
            // A run now of a disabled job that failed planned a retry as it ended: a disabled job never retries.
            if (job.RetryAt is not null)
                store.SetRetry(job.Name, null, null);
            return DateTimeOffset.MaxValue;
        }

        if (job.NextRunAt <= now)
        {
            var next = JobSchedule.Parse(job.Spec.Schedule).NextAfter(job.NextRunAt, now, time.LocalTimeZone);
            store.SetNextRun(job.Name, next);
            if (Start(job, attempt: 1, JobRunTrigger.Schedule) is null)
                JobLog.ScheduledRunSkipped(logger, job.Name, job.NextRunAt);
            job = job with { NextRunAt = next, RetryAt = _active.ContainsKey(job.Name) ? null : job.RetryAt };
        }
        else if (job.RetryAt is { } retryAt && retryAt <= now && !_active.ContainsKey(job.Name))
        {
            Start(job, job.RetryAttempt ?? 2, JobRunTrigger.Retry);
            job = job with { RetryAt = null };
        }

        // A job that runs is next due when its run ends (which wakes the loop), or at its next scheduled run.
        return _active.ContainsKey(job.Name) || job.RetryAt is null ? job.NextRunAt : job.DueAt;
    }

    /// <summary>Records and starts a run; null when a run of the job is in progress.</summary>
    private JobRunView? Start(JobRecord job, int attempt, JobRunTrigger trigger)
    {
        lock (_gate)
        {
            if (_stopping.IsCancellationRequested || _active.ContainsKey(job.Name))
                return null;
            // A new run replaces a retry that was waiting: it does what the retry would have done.
            store.SetRetry(job.Name, null, null);
            var startedAt = time.GetUtcNow();
            var id = store.BeginRun(job.Name, attempt, trigger, startedAt);
            JobLog.RunStarted(logger, job.Name, id, attempt, trigger.ToString());
            var run = new JobRun(job.Spec, id, attempt, startedAt, store, backups, retention, data, time, logger, verifier, notifications);
            var cancel = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var task = Task.Run(async () =>
            {
                await started.Task.ConfigureAwait(false);
                try
                {
                    await run.ExecuteAsync(cancel.Token).ConfigureAwait(false);
                }
                finally
                {
                    lock (_gate)
                        _active.TryRemove(job.Name, out _);
                    cancel.Dispose();
                    RunEnded?.Invoke(job.Spec);
                    Wake();
                }
            }, CancellationToken.None);
            _active[job.Name] = new ActiveRun(id, task, job.Name, job.Spec.Vm, attempt, startedAt, run.Progress);
            // The run as it began: one that fails at once (a missing disk) may have ended by the time it is read again.
            var begun = store.GetRun(job.Name, id);
            started.SetResult();
            return begun;
        }
    }

    private void Wake()
    {
        lock (_gate)
        {
            if (_wake.CurrentCount == 0)
                _wake.Release();
        }
    }

    private sealed record ActiveRun(long Id, Task Task, string Job, string Vm, int Attempt, DateTimeOffset StartedAt, JobRunProgress Progress);
}
