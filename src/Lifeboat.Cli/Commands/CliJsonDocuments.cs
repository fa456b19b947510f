namespace Lifeboat.Cli.Commands;

// What the CLI prints with --json beyond the server's own documents (those are Lifeboat.Server.Contracts').

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
