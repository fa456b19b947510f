using Lifeboat.Server.Contracts.Notifications;
using Lifeboat.Server.Notifications;

namespace Lifeboat.Server.Sessions;

/// <summary>The VerificationFailed event of a verification that ended failed: why, and the session page with its steps and screenshot.</summary>
internal static class VerificationFailure
{
    public static NotificationEvent Event(SessionRecord session, VerificationOutcome outcome)
    {
        var point = session.RestorePointId ?? session.RequestedRestorePoint ?? "latest";
        return new NotificationEvent(NotificationKind.VerificationFailed, session.Vm, $"Verification of {session.Vm} failed",
            $"Restore point {point} of VM {session.Vm} did not pass its boot verification (session {session.Id} on host {session.HostId}): "
            + $"{(outcome.Reason ?? "no reason was recorded").TrimEnd('.')}. Its page shows every step, the console and its screenshot.",
            outcome.VerifiedAt, $"sessions/{session.Id}");
    }
}
