namespace Lifeboat.Server.Contracts.Dashboard;

/// <summary>How the job runs of a period ended; each attempt counts once.</summary>
/// <param name="Succeeded">Runs that made a restore point.</param>
/// <param name="Failed">Runs that failed (or were interrupted) with no retry left.</param>
/// <param name="Retrying">Runs that failed (or were interrupted) and after which the job tries again.</param>
/// <param name="Running">Runs still in progress.</param>
public sealed record JobResultCounts(int Succeeded, int Failed, int Retrying, int Running);
