using System.Text.Json;

namespace Lifeboat.Cli.Commands;

/// <summary>Builds the one JSON object `instant-recover --json` and `migrate --json` print.</summary>
internal static class SessionOutcome
{
    public static SessionOutcomeJson From(SessionView session, double? recoverySeconds) => new(
        session.Id,
        session.State.ToString(),
        session.Vm,
        session.RestorePointId,
        recoverySeconds is { } seconds ? Math.Round(seconds, 3) : null,
        session.RecoverySeconds,
        session.Phases.ToDictionary(p => JsonNamingPolicy.CamelCase.ConvertName(p.Phase.ToString()), p => p.DurationSeconds),
        session.ProductionDisks,
        session.MigrationPauseSeconds,
        session.Error ?? session.MigrationError);
}
