using Lifeboat.Repository;
using Lifeboat.Server.Contracts.Jobs;
using Lifeboat.Server.Data;
using Lifeboat.Server.Hosting;
using Lifeboat.Server.Inventory;
using Lifeboat.Server.Metrics;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Server.Jobs;

/// <summary>
/// One attempt of a job: the backup, then retention when it succeeded; recorded in the job's history with what the
/// backup did or why it failed, and with the retry the job then plans.
/// </summary>
internal sealed class JobRun(
    JobSpec spec,
    long id,
    int attempt,
    DateTimeOffset startedAt,
    JobStore store,
    IVmBackupRunner backups,
    RetentionGate retention,
    DataFolder data,
    TimeProvider time,
    ILogger logger,
    IRestorePointVerifier? verifier = null,
    Notifications.INotificationSink? notifications = null)
{
    public const string InterruptedMessage = "The server stopped during this run.";
    private const string NextRunApplies = "the next successful run applies it";

    /// <summary>How far the backup has read, for the dashboard.</summary>
    public JobRunProgress Progress { get; } = new();

    public async Task ExecuteAsync(CancellationToken cancellationToken)
    {
        VmBackupResult backup;
        try
        {
            var work = data.JobWork(spec.Name);
            Directory.CreateDirectory(work);
            backup = await backups.RunAsync(new VmBackupRequest(spec.Repository!, spec.Vm, spec.Source, work) { Progress = Progress }, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The server is stopping: the next start tries again, if the job allows another attempt.
            var retryAt = attempt <= spec.Retries ? time.GetUtcNow() : (DateTimeOffset?)null;
            End(JobRunOutcome.Interrupted, null, null, InterruptedMessage, retryAt);
            JobLog.RunInterrupted(logger, spec.Name, id, retryAt?.ToString("O") ?? "none");
            return;
        }
        catch (VmBackupException e)
        {
            Fail(e.Message);
            return;
        }
        catch (Exception e)
        {
            JobLog.RunCrashed(logger, e, spec.Name, id);
            Fail($"{e.GetType().Name}: {e.Message}");
            return;
        }

        var kept = await ApplyRetentionAsync(cancellationToken).ConfigureAwait(false);
        if (spec.Verify == JobSpec.VerifyBoot)
            StartVerification(backup.RestorePointId);
        End(JobRunOutcome.Succeeded, backup, kept, null, null);
        JobLog.RunSucceeded(logger, spec.Name, id, (time.GetUtcNow() - startedAt).TotalSeconds, backup.RestorePointId, backup.BytesRead, backup.BytesStored, kept);
    }

    /// <summary>Keeps the VM's newest restore points; when that cannot be done now, the backup still succeeded and the next run tries.</summary>
    private async Task<string> ApplyRetentionAsync(CancellationToken cancellationToken)
    {
        using var gate = retention.TryEnterRetention();
        if (gate is null)
            return $"postponed: an instant recovery is starting; {NextRunApplies}";
        try
        {
            using var repository = RepositoryRegistry.Open(spec.Repository!);
            var result = await repository.ApplyRetentionAsync(spec.Vm, spec.KeepLast, cancellationToken).ConfigureAwait(false);
            return $"kept the newest {spec.KeepLast}: removed {result.RemovedRestorePoints.Count} restore point(s), freed {result.BytesFreed} bytes";
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return $"interrupted by the server stopping; {NextRunApplies}";
        }
        catch (Exception e) when (e is RepositoryException or IOException or UnauthorizedAccessException)
        {
            return $"postponed: {e.Message.TrimEnd('.')}; {NextRunApplies}";
        }
    }

    /// <summary>
    /// Starts the boot verification of the new restore point. It runs on its own (queued with the other
    /// verifications), so a slow boot never holds the job; its outcome is kept with the restore point.
    /// </summary>
    private void StartVerification(string restorePointId)
    {
        string note;
        try
        {
            note = verifier is null
                ? "not started: this server runs no verifications"
                : $"started: verification {verifier.StartBootVerification(spec.Vm, restorePointId, spec.VerifyHost)} boots restore point {restorePointId}{(spec.VerifyHost is { } host ? $" on host {host}" : "")}";
        }
        catch (Exception e) when (e is ArgumentException or LifeboatException)
        {
            note = $"not started: {e.Message}";
        }

        store.SetVerification(id, note);
    }

    private void Fail(string error)
    {
        var retryAt = attempt <= spec.Retries ? time.GetUtcNow() + JobScheduler.RetryDelay : (DateTimeOffset?)null;
        End(JobRunOutcome.Failed, null, null, error, retryAt);
        JobLog.RunFailed(logger, spec.Name, id, error, retryAt?.ToString("O") ?? "none");
        notifications?.Publish(JobFailure.Event(spec, id, attempt, error, retryAt, time.GetUtcNow()));
    }

    private void End(JobRunOutcome outcome, VmBackupResult? backup, string? kept, string? error, DateTimeOffset? retryAt)
    {
        store.EndRun(id, outcome, time.GetUtcNow(), backup, kept, error, retryAt);
        store.SetRetry(spec.Name, retryAt, retryAt is null ? null : attempt + 1);
        ServerMetrics.Backups.Add(outcome);
    }
}
