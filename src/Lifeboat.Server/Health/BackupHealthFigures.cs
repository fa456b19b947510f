using Lifeboat.Server.Contracts.Dashboard;

namespace Lifeboat.Server.Health;

/// <summary>The backup side of the dashboard: what jobs did, which VMs are overdue, how full the repositories are.</summary>
public sealed record BackupHealthFigures(
    DateTimeOffset At,
    JobResultCounts Last24Hours,
    JobResultCounts Last7Days,
    IReadOnlyList<OverdueVmView> OverdueVms,
    IReadOnlyList<RepositoryHealthView> Repositories,
    IReadOnlyList<RunningBackupView> RunningBackups,
    IReadOnlyList<FailureView> Failures);
