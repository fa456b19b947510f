using System.Text.Json.Serialization;

namespace Lifeboat.Server.Contracts.Sessions;

/// <summary>A session as the API shows it: state, timings, what it set up, its phases and steps.</summary>
public sealed record SessionView(
    string Id,
    string Vm,
    string? RestorePointId,
    string? Repository,
    string Host,
    SessionState State,
    SessionPhase Phase,
    string ReadyWhen,
    bool VmRunning,
    string? Publication,
    IReadOnlyList<string> DiskUrls,
    string? CacheFolder,
    string? RuntimeDirectory,
    MigrationRequest? Migration,
    IReadOnlyList<string> ProductionDisks,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ReadyAt,
    DateTimeOffset? EndedAt,
    double? RecoverySeconds,
    string? Error,
    string? MigrationError,
    double? MigrationPauseSeconds,
    MigrationProgress? Progress,
    IReadOnlyList<PhaseView> Phases,
    IReadOnlyList<SessionStep> Steps,
    DiskAttachment? DiskRecovery = null)
{
    /// <summary>How long the session waits (or waited) for its guest; a failed one's "recover again" offers twice this.</summary>
    public double ReadyTimeoutSeconds { get; init; }

    /// <summary>Finalized, stopped or failed: nothing more happens to the session.</summary>
    [JsonIgnore]
    public bool IsFinal => State is SessionState.Finalized or SessionState.Stopped or SessionState.Failed;
}
