namespace Lifeboat.Cli.Quickstart;

/// <summary>One live backup of the running production VM as `quickstart --json` prints it.</summary>
/// <param name="ChangeTracking">Only the blocks the dirty bitmap marked since <paramref name="BaseRestorePointId"/> were read.</param>
internal sealed record QuickstartLiveBackup(
    string RestorePointId,
    long BytesRead,
    long StoredBytes,
    string Consistency,
    double? FrozenMilliseconds,
    bool ChangeTracking,
    string? BaseRestorePointId,
    long LastRecordBefore,
    long LastRecordAfter);
