namespace Lifeboat.Cli.Commands;

/// <summary>Builds the one JSON object `instant-recover --json` and `migrate --json` print.</summary>
internal static class SessionOutcome
{
    public static SessionOutcomeJson From(SessionDocument session, double? recoverySeconds) => new(
        session.Id,
        session.State,
        session.Vm,
        session.RestorePointId,
        recoverySeconds is { } seconds ? Math.Round(seconds, 3) : null,
        session.RecoverySeconds,
        session.Phases.ToDictionary(p => char.ToLowerInvariant(p.Phase[0]) + p.Phase[1..], p => p.DurationSeconds),
        session.ProductionDisks,
        session.MigrationPauseSeconds,
        session.Error ?? session.MigrationError);
}
