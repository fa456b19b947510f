namespace Lifeboat.Server.Contracts.Dashboard;

/// <summary>
/// Backup health at a glance, as <c>GET /api/dashboard</c>, the console's landing page and <c>lifeboat status</c> show it.
/// </summary>
/// <param name="At">When the figures were taken.</param>
/// <param name="Last24Hours">Job runs that started in the last 24 hours.</param>
/// <param name="Last7Days">Job runs that started in the last 7 days.</param>
/// <param name="OverdueVms">VMs whose newest restore point is older than their job's schedule allows.</param>
/// <param name="Repositories">Each registered repository's space and what it stores.</param>
/// <param name="RunningBackups">Job runs in progress.</param>
/// <param name="RunningSessions">Instant recoveries and disk recoveries that have not ended.</param>
/// <param name="RunningVerifications">Verifications that have not ended.</param>
/// <param name="Failures">The newest failed job runs and verifications, newest first.</param>
/// <param name="ServerZone">The server's time zone (its TZ), in which its schedules run.</param>
public sealed record DashboardView(
    DateTimeOffset At,
    JobResultCounts Last24Hours,
    JobResultCounts Last7Days,
    IReadOnlyList<OverdueVmView> OverdueVms,
    IReadOnlyList<RepositoryHealthView> Repositories,
    IReadOnlyList<RunningBackupView> RunningBackups,
    IReadOnlyList<RunningSessionView> RunningSessions,
    IReadOnlyList<RunningSessionView> RunningVerifications,
    IReadOnlyList<FailureView> Failures,
    string ServerZone)
{
    /// <summary>Nothing failed in the last 24 hours, no VM is overdue and no repository is nearly full or unreadable.</summary>
    public bool Healthy => Last24Hours.Failed == 0 && Last24Hours.Retrying == 0 && OverdueVms.Count == 0
        && Repositories.All(r => !r.NearlyFull && r.Error is null);
}
