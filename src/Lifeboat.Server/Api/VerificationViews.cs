using Lifeboat.Server.Contracts.Sessions;
using Lifeboat.Server.Sessions;

namespace Lifeboat.Server.Api;

/// <summary>A verification as the API shows it (<see cref="VerificationView"/>), from its session.</summary>
public static class VerificationViews
{
    public static VerificationView From(SessionRecord session) =>
        new(session.Id, session.Vm, session.RestorePointId, session.State, session.CreatedAt, session.Outcome, session.Outcome?.Summary);
}
