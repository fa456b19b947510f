namespace Lifeboat.Cli.Quickstart;

/// <summary>One step of the story as `quickstart --json` prints it.</summary>
internal sealed record QuickstartStep(string Act, string Step, double Seconds, bool Ok, string Result);

/// <summary>
/// What `quickstart --json` prints: every step, and the figures a user judges instant recovery by (null when the
/// story did not get that far).
/// </summary>
internal sealed record QuickstartReport(
    bool Ok,
    string WorkDirectory,
    string? Server,
    string? RestorePointId,
    string? SessionId,
    double? RecoverySeconds,
    double? MigrationSeconds,
    double? MigrationMiBPerSecond,
    string? ProductionDisk,
    IReadOnlyList<QuickstartLiveBackup> LiveBackups,
    double TotalSeconds,
    IReadOnlyList<QuickstartStep> Steps);
