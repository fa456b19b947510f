using Lifeboat.Server.Inventory;

namespace Lifeboat.Server.Api;

public sealed record RestorePointView(
    string Id,
    string Vm,
    DateTimeOffset Time,
    string? ParentId,
    string Repository,
    IReadOnlyList<RestorePointDiskView> Disks,
    long LogicalBytes,
    long StoredBytes,
    RestorePointVerificationView? Verified)
{
    public static RestorePointView From(LocatedRestorePoint located, Data.StoredVerification? verification = null)
    {
        var point = located.RestorePoint;
        return new RestorePointView(point.Id, point.Vm, point.Time, point.ParentId, located.RepositoryPath,
            [.. point.Disks.Select(d => new RestorePointDiskView(d.Index, d.Name, d.Size))], point.LogicalBytes, point.StoredBytes,
            verification is null ? null : new RestorePointVerificationView(verification.Outcome.Passed, verification.Outcome.Summary,
                verification.Outcome.RecoverySeconds, verification.Outcome.VerifiedAt, verification.SessionId));
    }
}

/// <summary>The newest verification of a restore point: "booted in 8.4 s, 2 checks passed".</summary>
public sealed record RestorePointVerificationView(bool Passed, string Summary, double? RecoverySeconds, DateTimeOffset VerifiedAt, string SessionId);

public sealed record RestorePointDiskView(int Index, string Name, long Size);
