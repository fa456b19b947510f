namespace Lifeboat.Server.Contracts.Jobs;

/// <summary>A job as <c>GET /api/jobs</c> shows it: its definition, when it runs next, and its last run.</summary>
/// <param name="Spec">The definition, with the defaults filled in and paths made absolute.</param>
/// <param name="NextRunAt">The next scheduled run.</param>
/// <param name="RetryAt">When a failed or interrupted run is tried again, if one is.</param>
/// <param name="Running">True while a run of the job is in progress.</param>
public sealed record JobView(
    JobSpec Spec,
    string SourceDescription,
    DateTimeOffset CreatedAt,
    DateTimeOffset NextRunAt,
    DateTimeOffset? RetryAt,
    bool Running,
    JobRunView? LastRun)
{
    /// <summary>The time zone the schedule's times are in: the server's (its TZ), e.g. <c>America/New_York</c> or <c>UTC</c>.</summary>
    public string ScheduleZone { get; init; } = "UTC";
}
