using Lifeboat.Server.Contracts.Jobs;

namespace Lifeboat.Server.Jobs;

/// <summary>A job as the database keeps it: its definition and when it runs next.</summary>
/// <param name="NextRunAt">The next run the schedule asks for.</param>
/// <param name="RetryAt">When a failed or interrupted run is tried again; null when none is due.</param>
/// <param name="RetryAttempt">The attempt number of that retry.</param>
public sealed record JobRecord(JobSpec Spec, DateTimeOffset CreatedAt, DateTimeOffset NextRunAt, DateTimeOffset? RetryAt, int? RetryAttempt)
{
    public string Name => Spec.Name;

    /// <summary>The earlier of the next scheduled run and the retry.</summary>
    public DateTimeOffset DueAt => RetryAt is { } retry && retry < NextRunAt ? retry : NextRunAt;
}
