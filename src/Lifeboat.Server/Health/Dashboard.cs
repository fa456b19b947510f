using Lifeboat.Server.Contracts.Dashboard;
using Lifeboat.Server.Sessions;
using Lifeboat.Server.WebConsole;

namespace Lifeboat.Server.Health;

/// <summary>The dashboard's figures: backup health with the sessions that run now.</summary>
public sealed class Dashboard(BackupHealth health, SessionManager sessions, TimeProvider time)
{
    public DashboardView Read()
    {
        var figures = health.Compute();
        var open = sessions.List().Select(s => s.Session).Where(s => !s.IsFinal).OrderBy(s => s.CreatedAt).ToList();
        return new DashboardView(
            figures.At,
            figures.Last24Hours,
            figures.Last7Days,
            figures.OverdueVms,
            figures.Repositories,
            figures.RunningBackups,
            [.. open.Where(s => s.Verification is null).Select(View)],
            [.. open.Where(s => s.Verification is not null).Select(View)],
            figures.Failures,
            time.LocalTimeZone.Id);
    }

    private static RunningSessionView View(SessionRecord s) =>
        new(s.Id, s.Vm, s.RestorePointId, Show.Word(s.State), Show.Phase(s.Phase), s.CreatedAt);
}
