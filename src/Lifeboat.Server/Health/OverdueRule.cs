using Lifeboat.Server.Jobs;

namespace Lifeboat.Server.Health;

/// <summary>
/// When a VM a job backs up counts as overdue: its newest restore point (in the job's repository, or made by the job's
/// last successful run) is older than the schedule's period plus a grace: "every Nh" allows N hours + 1 hour, "daily
/// HH:MM" allows 24 + 2 hours (a long nightly backup still lands in time). A job counts from when it was added, so a
/// new job's VM is overdue only once its first run is that late. A job that is running now is not overdue: its run is
/// catching up, and the run's end decides. A disabled job is not overdue: it is not meant to run.
/// </summary>
public static class OverdueRule
{
    public static readonly TimeSpan EveryGrace = TimeSpan.FromHours(1);
    public static readonly TimeSpan DailyGrace = TimeSpan.FromHours(2);

    /// <summary>How old the newest restore point may be under <paramref name="schedule"/>.</summary>
    /// <param name="grace">The server's grace (<c>--overdue-grace</c>); null for the defaults above.</param>
    public static TimeSpan AllowedAge(JobSchedule schedule, TimeSpan? grace) => schedule.Interval is { } interval
        ? interval + (grace ?? EveryGrace)
        : TimeSpan.FromDays(1) + (grace ?? DailyGrace);

    /// <summary>When the VM of <paramref name="job"/> became overdue, or null when it is not.</summary>
    /// <param name="newest">Its newest restore point's time; null when it has none.</param>
    /// <exception cref="ArgumentException">The job's schedule does not parse (a damaged record).</exception>
    public static DateTimeOffset? OverdueSince(JobRecord job, DateTimeOffset? newest, DateTimeOffset now, TimeSpan? grace)
    {
        var reference = newest is { } point && point > job.CreatedAt ? point : job.CreatedAt;
        var deadline = reference + AllowedAge(JobSchedule.Parse(job.Spec.Schedule), grace);
        return now > deadline ? deadline : null;
    }
}
