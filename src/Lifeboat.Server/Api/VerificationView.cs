using Lifeboat.Server.Sessions;

namespace Lifeboat.Server.Api;

/// <summary>A verification as the API shows it: its session, and its outcome once it has ended.</summary>
public sealed record VerificationView(
    string SessionId,
    string Vm,
    string? RestorePointId,
    SessionState State,
    DateTimeOffset CreatedAt,
    VerificationOutcome? Outcome,
    string? Summary)
{
    public static VerificationView From(SessionRecord session) =>
        new(session.Id, session.Vm, session.RestorePointId, session.State, session.CreatedAt, session.Outcome, session.Outcome?.Summary);
}
