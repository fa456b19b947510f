using Lifeboat.Server.Api;
using Lifeboat.Server.Sessions;

namespace Lifeboat.Server.Tests.Support;

public static class SessionViewExtensions
{
    public static bool IsFinalState(this SessionView session) =>
        session.State is SessionState.Finalized or SessionState.Stopped or SessionState.Failed;
}
