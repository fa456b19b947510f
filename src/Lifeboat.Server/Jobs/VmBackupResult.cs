namespace Lifeboat.Server.Jobs;

/// <summary>What one backup did.</summary>
/// <param name="BytesRead">Bytes read from the VM's disks.</param>
/// <param name="BytesStored">Bytes the restore point added to the repository.</param>
/// <param name="Consistency">"file-system-consistent", "crash-consistent" or <see cref="AtRest"/>.</param>
/// <param name="ChangeTrackingUsed">True when only the changed blocks were read.</param>
/// <param name="ChangeTracking">The base restore point the unchanged blocks came from, or why the disks were read whole.</param>
public sealed record VmBackupResult(
    string RestorePointId,
    long BytesRead,
    long BytesStored,
    TimeSpan Duration,
    string Consistency,
    bool ChangeTrackingUsed,
    string ChangeTracking)
{
    /// <summary>Disk files read while nothing runs from them: as consistent as the VM left them when it stopped.</summary>
    public const string AtRest = "at-rest";
}
