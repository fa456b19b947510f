using Lifeboat.Repository;
using Lifeboat.Server.Contracts.RestorePoints;
using Lifeboat.Server.Inventory;

namespace Lifeboat.Server.Api;

/// <summary>A repository's restore point as the REST API and the console show it.</summary>
public static class RestorePointViews
{
    public static RestorePointView From(LocatedRestorePoint located, Data.StoredVerification? verification = null)
    {
        var point = located.RestorePoint;
        var fullReasons = point.Disks.Select(d => d.ChangeTracking?.FullReadReason).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        return new RestorePointView(point.Id, point.Vm, point.Time, point.ParentId, located.RepositoryPath,
            [.. point.Disks.Select(d => new RestorePointDiskView(d.Index, d.Name, d.Size))], point.LogicalBytes, point.StoredBytes,
            verification is null ? null : new RestorePointVerificationView(verification.Outcome.Passed, verification.Outcome.Summary,
                verification.Outcome.RecoverySeconds, verification.Outcome.VerifiedAt, verification.SessionId),
            point.Incremental ? RestorePointView.Incremental : RestorePointView.Full,
            point.ChangeTracked,
            point.Incremental ? point.Disks[0].ChangeTracking!.BaseRestorePointId : null,
            fullReasons.Count == 0 ? null : string.Join("; ", fullReasons),
            point.Consistency?.Kind,
            ConsistencyNote(point.Consistency),
            point.Protected);
    }

    private static string? ConsistencyNote(BackupConsistency? consistency) => consistency switch
    {
        null => null,
        { FrozenMilliseconds: { } frozen } => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"file systems frozen for {frozen:0.#} ms"),
        { Reason: { } reason } => reason,
        _ => null,
    };
}
