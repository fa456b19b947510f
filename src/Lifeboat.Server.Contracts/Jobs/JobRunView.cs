namespace Lifeboat.Server.Contracts.Jobs;

/// <summary>One run of a job, as its history shows it.</summary>
/// <param name="Attempt">1 for the first try, 2 for the first retry...</param>
/// <param name="BytesRead">Bytes read from the VM's disks.</param>
/// <param name="BytesStored">Bytes the restore point added to the repository (new chunks only).</param>
/// <param name="Consistency">"file-system-consistent", "crash-consistent", or "at-rest" for disk files.</param>
/// <param name="ChangeTrackingUsed">True when only the changed blocks were read.</param>
/// <param name="ChangeTracking">How the disks were read: the base restore point, or why they were read whole.</param>
/// <param name="Retention">What retention did after the run, or why it waits for the next run.</param>
/// <param name="RetryAt">When the run is tried again, if it will be.</param>
/// <param name="Verification">The boot verification the run started for its restore point (its session id), or why none.</param>
public sealed record JobRunView(
    long Id,
    string Job,
    int Attempt,
    JobRunTrigger Trigger,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    double? DurationSeconds,
    JobRunOutcome Outcome,
    string? RestorePointId,
    long? BytesRead,
    long? BytesStored,
    string? Consistency,
    bool? ChangeTrackingUsed,
    string? ChangeTracking,
    string? Retention,
    string? Error,
    DateTimeOffset? RetryAt,
    string? Verification = null)
{
    public bool IsFinal => Outcome != JobRunOutcome.Running;
}
