using System.Security.Claims;
using Lifeboat.Server.Data;

namespace Lifeboat.Server.Security;

/// <summary>
/// Whether a browser session still holds for its user as stored now: the user exists, and the session signed in under
/// the current password, or is the session that changed it. Cookies and open console pages are judged alike.
/// </summary>
public static class SessionValidity
{
    public enum Verdict
    {
        /// <summary>The session holds as it is.</summary>
        Holds,

        /// <summary>The session holds, but its role is out of date: renew its principal.</summary>
        Renew,

        /// <summary>The user is gone, or the password changed in another session: sign it out.</summary>
        Ended,
    }

    public static Verdict Judge(ClaimsPrincipal session, StoredUser? user)
    {
        if (user is null)
            return Verdict.Ended;
        var generation = LifeboatClaims.PasswordGenerationOf(session);
        var sessionId = LifeboatClaims.SessionIdOf(session);
        if (generation != user.PasswordGeneration && (sessionId is null || sessionId != user.KeptSession))
            return Verdict.Ended;
        // The session that changed the password keeps its old generation: it holds until another session changes it again.
        return LifeboatClaims.Role(session) != user.Role ? Verdict.Renew : Verdict.Holds;
    }
}
