using Lifeboat.Server.Contracts.Jobs;

namespace Lifeboat.Server.WebConsole;

/// <summary>Two reads of a job show the same thing: its definition's name and shown settings, its next run and its last run are equal.</summary>
internal sealed class JobViewComparer : IEqualityComparer<JobView>
{
    public static readonly JobViewComparer Instance = new();

    public bool Equals(JobView? x, JobView? y) =>
        ReferenceEquals(x, y) || (x is not null && y is not null && x.Spec.Name == y.Spec.Name && x.Spec.Enabled == y.Spec.Enabled
            && x.Spec.Schedule == y.Spec.Schedule && x.Spec.KeepLast == y.Spec.KeepLast && x.Spec.Vm == y.Spec.Vm && x.SourceDescription == y.SourceDescription && x.NextRunAt == y.NextRunAt
            && x.RetryAt == y.RetryAt && x.Running == y.Running && x.LastRun == y.LastRun);

    public int GetHashCode(JobView obj) => obj.Spec.Name.GetHashCode(StringComparison.Ordinal);
}
