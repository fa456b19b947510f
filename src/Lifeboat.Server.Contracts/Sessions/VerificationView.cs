namespace Lifeboat.Server.Contracts.Sessions;

/// <summary>A verification as the API shows it: its session, and its outcome once it has ended.</summary>
public sealed record VerificationView(
    string SessionId,
    string Vm,
    string? RestorePointId,
    SessionState State,
    DateTimeOffset CreatedAt,
    VerificationOutcome? Outcome,
    string? Summary);
