using Lifeboat.Server.Contracts.Sessions;
using Lifeboat.Server.Sessions;

namespace Lifeboat.Server.Api;

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

    public static SessionView From(SessionSnapshot snapshot, IReadOnlyList<SessionStep> steps)
    {
        var s = snapshot.Session;
        return new SessionView(s.Id, s.Vm, s.RestorePointId, s.RepositoryPath, s.HostId, s.State, s.Phase, s.ReadyWhen, snapshot.VmRunning,
            s.Publication, s.DiskUrls, s.CacheFolder, s.RuntimeDirectory, s.Migration, s.ProductionDisks, s.CreatedAt, s.ReadyAt, s.EndedAt,
            s.RecoverySeconds, s.Error, s.MigrationError, s.MigrationPauseSeconds, snapshot.Progress, PhaseView.From(steps), steps, s.DiskRecovery)
        {
            ReadyTimeoutSeconds = s.ReadyTimeoutSeconds,
        };
    }
}
