using Lifeboat.Server.Contracts.Sessions;
using Lifeboat.Server.Sessions;

namespace Lifeboat.Server.Api;

/// <summary>A session as the API shows it (<see cref="SessionView"/>), from what the server keeps of it.</summary>
public static class SessionViews
{
    public static SessionView From(SessionSnapshot snapshot, IReadOnlyList<SessionStep> steps)
    {
        var s = snapshot.Session;
        return new SessionView(s.Id, s.Vm, s.RestorePointId, s.RepositoryPath, s.HostId, s.State, s.Phase, s.ReadyWhen, snapshot.VmRunning,
            s.Publication, s.DiskUrls, s.CacheFolder, s.RuntimeDirectory, s.Migration, s.ProductionDisks, s.CreatedAt, s.ReadyAt, s.EndedAt,
            s.RecoverySeconds, s.Error, s.MigrationError, s.MigrationPauseSeconds, snapshot.Progress, PhaseViews.From(steps, PhaseViews.Working(s.State, s.Phase)), steps, s.DiskRecovery)
        {
            ReadyTimeoutSeconds = s.ReadyTimeoutSeconds,
        };
    }
}
