namespace Lifeboat.Server.Contracts.Dashboard;

/// <summary>A VM a job backs up with no restore point as new as the job's schedule allows.</summary>
/// <param name="Job">The job that backs it up.</param>
/// <param name="Repository">The job's repository, where its restore points are looked for.</param>
/// <param name="NewestRestorePoint">When its newest restore point in that repository was taken; null: it has none.</param>
/// <param name="OverdueSince">When the schedule and its grace ran out.</param>
public sealed record OverdueVmView(string Job, string Vm, string Schedule, string Repository, DateTimeOffset? NewestRestorePoint, DateTimeOffset OverdueSince);
