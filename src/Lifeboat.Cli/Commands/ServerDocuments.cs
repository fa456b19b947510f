namespace Lifeboat.Cli.Commands;

// The server's REST documents as the CLI reads and sends them (the CLI does not load the server's assembly).
// Enums travel as strings: "Ready", "MigratingToProduction", "Ok"...

internal sealed record ServerApiError(string Message);

internal sealed record ServerInfoDocument(
    string Version, string DataDirectory, string DefaultRepository, string NfsEndPoint, string Export, string Portmap, int Publications, int ProcessId);

internal sealed record ServerMigrationRequest(string TargetDirectory, string Method, string Format);

internal sealed record ServerRecoveryRequest(
    string Vm,
    string? RestorePoint,
    string? RedirectWritesTo,
    ServerMigrationRequest? MigrateTo,
    string? ReadyWhen,
    double? ReadyTimeoutSeconds,
    bool PowerOn,
    IReadOnlyDictionary<string, string>? FirmwareConfig)
{
    /// <summary>nfs (null: the server's default, NFS) or nbd.</summary>
    public string? Protocol { get; init; }

    /// <summary>The host to run the VM on, as `lifeboat hosts` lists it; null: the local QEMU host.</summary>
    public string? Host { get; init; }

    /// <summary>A libvirt network for one NIC, or none (null: none).</summary>
    public string? Network { get; init; }

    /// <summary>The VM's name on the host; null: named after its publication.</summary>
    public string? Name { get; init; }
}

internal sealed record SessionStepDocument(
    int Seq, string Phase, string Name, DateTimeOffset StartedAt, DateTimeOffset? EndedAt, string Result, string? Message, double? DurationSeconds);

internal sealed record SessionPhaseDocument(string Phase, DateTimeOffset StartedAt, DateTimeOffset? EndedAt, double? DurationSeconds, string Result);

internal sealed record SessionProgressDocument(string Activity, long DoneBytes, long TotalBytes);

internal sealed record SessionDocument(
    string Id,
    string Vm,
    string? RestorePointId,
    string? Repository,
    string Host,
    string State,
    string Phase,
    string ReadyWhen,
    bool VmRunning,
    string? Publication,
    IReadOnlyList<string> DiskUrls,
    string? CacheFolder,
    string? RuntimeDirectory,
    ServerMigrationRequest? Migration,
    IReadOnlyList<string> ProductionDisks,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ReadyAt,
    DateTimeOffset? EndedAt,
    double? RecoverySeconds,
    string? Error,
    string? MigrationError,
    double? MigrationPauseSeconds,
    SessionProgressDocument? Progress,
    IReadOnlyList<SessionPhaseDocument> Phases,
    IReadOnlyList<SessionStepDocument> Steps,
    Lifeboat.Server.Contracts.Sessions.DiskAttachment? DiskRecovery = null)
{
    public bool IsFinal => State is "Finalized" or "Stopped" or "Failed";
}

/// <summary>What `instant-recover --json` and `migrate --json` print: the session, its state and each phase's seconds.</summary>
internal sealed record SessionOutcomeJson(
    string SessionId,
    string State,
    string Vm,
    string? RestorePointId,
    double? RecoverySeconds,
    double? ServerRecoverySeconds,
    IReadOnlyDictionary<string, double?> Phases,
    IReadOnlyList<string> ProductionDisks,
    double? MigrationPauseSeconds,
    string? Error);

internal sealed record ServerVerificationCheck(string Name, string? Command, string? Script);

internal sealed record ServerVerificationRequest(
    string Vm,
    string? RestorePoint,
    string? ReadyWhen,
    double? TimeoutSeconds,
    IReadOnlyList<ServerVerificationCheck> Checks,
    IReadOnlyDictionary<string, string>? FirmwareConfig,
    string? Host = null);

internal sealed record VerificationPhaseDocument(string Phase, double Seconds);

internal sealed record VerificationCheckDocument(string Name, bool Passed, int? ExitCode, bool TimedOut, string Output, string Error, double Seconds);

internal sealed record VerificationOutcomeDocument(
    bool Passed,
    string? Reason,
    double? RecoverySeconds,
    IReadOnlyList<VerificationPhaseDocument> Phases,
    IReadOnlyList<VerificationCheckDocument> Checks,
    string? Screenshot,
    string? ConsoleTail,
    DateTimeOffset VerifiedAt,
    string Summary);

/// <summary>A verification: its session, and its outcome once it has ended; `verify --boot --json` prints it.</summary>
internal sealed record VerificationDocument(
    string SessionId, string Vm, string? RestorePointId, string State, DateTimeOffset CreatedAt, VerificationOutcomeDocument? Outcome, string? Summary);

/// <summary>What `job remove --json` prints.</summary>
internal sealed record JobRemovedJson(string Removed);

internal sealed record DatastoreRemovedJson(string Removed);

internal sealed record HostRemovedJson(string Removed);

/// <summary>What `repo unregister --json` prints: the folder the server no longer lists (its files stay).</summary>
internal sealed record RepositoryUnregisteredJson(string Unregistered);

/// <summary>What `lifeboat user remove` and `lifeboat token revoke` print with --json.</summary>
internal sealed record AccountRemovedJson(string Kind, string Removed);

/// <summary>What `lifeboat user password --json` prints.</summary>
internal sealed record PasswordSetJson(string PasswordSetFor);
