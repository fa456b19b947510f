using Lifeboat.Server.Contracts.Dashboard;
using Lifeboat.Server.Contracts.Jobs;
using Lifeboat.Server.Data;
using Lifeboat.Server.Hosting;
using Lifeboat.Server.Jobs;

namespace Lifeboat.Server.Health;

/// <summary>
/// Backup health from the job history, the running jobs, the verifications and the repositories: a few small queries
/// and the repositories' cached figures, so the dashboard can ask every few seconds.
/// </summary>
public sealed class BackupHealth(
    JobStore jobs,
    JobScheduler scheduler,
    VerificationStore verifications,
    RepositoryFigures repositories,
    ServerOptions options,
    TimeProvider time)
{
    /// <summary>The failures shown: the newest of the last 7 days.</summary>
    public const int MaxFailures = 8;

    public BackupHealthFigures Compute()
    {
        var now = time.GetUtcNow();
        var running = scheduler.Running();
        var readings = repositories.Read();
        var list = jobs.List();
        return new BackupHealthFigures(
            now,
            Count(now - TimeSpan.FromDays(1), running.Count(r => r.StartedAt >= now - TimeSpan.FromDays(1))),
            Count(now - TimeSpan.FromDays(7), running.Count(r => r.StartedAt >= now - TimeSpan.FromDays(7))),
            Overdue(list, now, running, readings),
            [.. readings.Select(View)],
            [.. running.Select(r => new RunningBackupView(r.Job, r.Vm, r.RunId, r.Attempt, r.StartedAt, r.BytesDone, r.BytesTotal))],
            Failures(list, now - TimeSpan.FromDays(7)));
    }

    private JobResultCounts Count(DateTimeOffset since, int running)
    {
        int succeeded = 0, failed = 0, retrying = 0;
        foreach (var (outcome, retried, count) in jobs.CountRunsSince(since))
        {
            if (outcome == JobRunOutcome.Succeeded)
                succeeded += count;
            else if (outcome is JobRunOutcome.Failed or JobRunOutcome.Interrupted)
            {
                if (retried)
                    retrying += count;
                else
                    failed += count;
            }
        }

        return new JobResultCounts(succeeded, failed, retrying, running);
    }

    private List<OverdueVmView> Overdue(IReadOnlyList<JobRecord> list, DateTimeOffset now, IReadOnlyList<ActiveJobRun> running, IReadOnlyList<RepositoryReading> readings)
    {
        var lastSucceeded = jobs.LastSucceededStarts();
        var overdue = new List<OverdueVmView>();
        foreach (var job in list)
        {
            if (!job.Spec.Enabled || running.Any(r => r.Job == job.Name))
                continue;
            var reading = readings.FirstOrDefault(r => r.Repository.Path == job.Spec.Repository);
            DateTimeOffset? newest = reading is not null && reading.NewestByVm.TryGetValue(job.Spec.Vm, out var inRepository) ? inRepository : null;
            if (lastSucceeded.TryGetValue(job.Name, out var succeeded) && (newest is null || succeeded > newest))
                newest = succeeded;
            try
            {
                if (OverdueRule.OverdueSince(job, newest, now, options.OverdueGrace) is { } since)
                    overdue.Add(new OverdueVmView(job.Name, job.Spec.Vm, job.Spec.Schedule, job.Spec.Repository ?? "", newest, since));
            }
            catch (ArgumentException)
            {
                // A schedule the server wrote itself does not parse: the job's own page shows the damaged record.
            }
        }

        return [.. overdue.OrderBy(o => o.OverdueSince)];
    }

    private RepositoryHealthView View(RepositoryReading r) => new(
        r.Repository.Path, r.Repository.IsDefault, r.TotalBytes, r.UsedBytes, r.AvailableBytes, r.UsedPercent, r.StoredBytes, r.LogicalBytes,
        r.DedupFactor, r.RestorePoints, r.UsedPercent >= options.RepositoryFullPercent, r.Error);

    private List<FailureView> Failures(IReadOnlyList<JobRecord> list, DateTimeOffset since)
    {
        var vms = list.ToDictionary(j => j.Name, j => j.Spec.Vm, StringComparer.Ordinal);
        var failed = jobs.GetFailedRuns(MaxFailures).Select(run => new FailureView(
            FailureView.JobRun, run.Job, vms.GetValueOrDefault(run.Job, ""), run.EndedAt ?? run.StartedAt, run.Error ?? "The run failed without a message.", $"jobs/{Uri.EscapeDataString(run.Job)}"));
        var verified = verifications.ListFailed(MaxFailures).Select(v => new FailureView(
            FailureView.Verification, v.SessionId, v.Vm, v.Outcome.VerifiedAt, v.Outcome.Reason ?? "The verification failed without a reason.",
            $"sessions/{Uri.EscapeDataString(v.SessionId)}"));
        return [.. failed.Concat(verified).Where(f => f.At >= since).OrderByDescending(f => f.At).Take(MaxFailures)];
    }
}
