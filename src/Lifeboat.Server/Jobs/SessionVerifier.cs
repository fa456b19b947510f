using Lifeboat.Server.Sessions;

namespace Lifeboat.Server.Jobs;

/// <summary>Job verifications are ordinary verification sessions: they queue with the others and keep their outcome per restore point.</summary>
internal sealed class SessionVerifier(SessionManager sessions) : IRestorePointVerifier
{
    public string StartBootVerification(string vm, string restorePointId, string? host) =>
        sessions.StartVerification(new VerificationRequest { Vm = vm, RestorePoint = restorePointId, Host = host }).Id;
}
