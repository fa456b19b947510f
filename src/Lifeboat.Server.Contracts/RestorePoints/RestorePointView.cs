namespace Lifeboat.Server.Contracts.RestorePoints;

/// <summary>A restore point as <c>GET /api/restore-points</c> lists it.</summary>
/// <param name="Type"><see cref="Full"/> (some disk was read whole, as a backup of disk files always is) or <see cref="Incremental"/>
/// (every disk read only what changed since <paramref name="BaseRestorePointId"/>); deduplicated against the repository either way.</param>
/// <param name="ChangeTracked">True when the VM's disks are tracked for changes from this restore point on (changed-block tracking).</param>
/// <param name="FullReadReason">Why a live backup read its disks whole; null otherwise.</param>
/// <param name="Consistency">"file-system-consistent" or "crash-consistent" for a live backup; null for a backup of disk files, which records none.</param>
/// <param name="ConsistencyNote">How long the guest was frozen, or why it was not.</param>
/// <param name="Protected">Kept by retention and refused by deletion until unprotected.</param>
public sealed record RestorePointView(
    string Id,
    string Vm,
    DateTimeOffset Time,
    string? ParentId,
    string Repository,
    IReadOnlyList<RestorePointDiskView> Disks,
    long LogicalBytes,
    long StoredBytes,
    RestorePointVerificationView? Verified,
    string Type,
    bool ChangeTracked,
    string? BaseRestorePointId,
    string? FullReadReason,
    string? Consistency,
    string? ConsistencyNote,
    bool Protected)
{
    public const string Full = "full";
    public const string Incremental = "incremental";
}

/// <summary>The newest verification of a restore point: "booted in 8.4 s, 2 checks passed".</summary>
public sealed record RestorePointVerificationView(bool Passed, string Summary, double? RecoverySeconds, DateTimeOffset VerifiedAt, string SessionId);

public sealed record RestorePointDiskView(int Index, string Name, long Size);
