using System.Security.Claims;
using Lifeboat.Server.Data;

namespace Lifeboat.Server.Security;

/// <summary>
/// Browser sessions kept on the server: signing in records one, signing out ends it, and every request and every console
/// action asks here whether the session still holds and with which role, so a signed-out cookie, a removed user or a
/// demoted one loses its powers at once, in the REST API and in an open console page alike.
/// </summary>
public sealed class BrowserSessions(BrowserSessionStore store, UserStore users, TimeProvider time)
{
    /// <summary>As long as a cookie lives without being used; a session unused for longer is forgotten.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(8);

    /// <summary>How stale a session's last-seen time may get before a request writes it again (a synced write per request would cost more than the request).</summary>
    private static readonly TimeSpan SeenResolution = TimeSpan.FromMinutes(5);

    /// <summary>Starts a session of <paramref name="user"/>: the principal its cookie carries.</summary>
    public ClaimsPrincipal Begin(StoredUser user, string? address)
    {
        var id = LifeboatClaims.NewSessionId();
        // The margin keeps a session whose last-seen time was not written for its last few minutes of use.
        store.Add(id, user.Name, address, time.GetUtcNow(), Lifetime + SeenResolution);
        return LifeboatClaims.Session(user, id);
    }

    /// <summary>Signs the session out on the server: its cookie, wherever a copy of it is, is refused from now on.</summary>
    public void End(ClaimsPrincipal principal)
    {
        if (LifeboatClaims.SessionIdOf(principal) is { } id)
            store.Remove(id);
    }

    /// <summary>Whether a browser session's principal still holds, and the user as stored now (null when it has ended).</summary>
    public (SessionValidity.Verdict Verdict, StoredUser? User) Check(ClaimsPrincipal principal)
    {
        if (principal.Identity?.Name is not { } name || LifeboatClaims.SessionIdOf(principal) is not { } id)
            return (SessionValidity.Verdict.Ended, null);
        var session = store.Find(id);
        if (session is not { } known || known.User != name)
            return (SessionValidity.Verdict.Ended, null);
        var user = users.Get(name);
        var verdict = SessionValidity.Judge(principal, user);
        var now = time.GetUtcNow();
        if (verdict != SessionValidity.Verdict.Ended && now - known.SeenAt > SeenResolution)
            store.Seen(id, now);
        return (verdict, verdict == SessionValidity.Verdict.Ended ? null : user);
    }

    /// <summary>
    /// The principal as it stands now: a browser session's with the role its user has now, or no one when the session
    /// has ended. An API token's is returned as it is (the token is looked up on every request already).
    /// </summary>
    public ClaimsPrincipal Current(ClaimsPrincipal principal)
    {
        if (principal.FindFirst(LifeboatClaims.Via)?.Value != LifeboatClaims.ViaPassword)
            return principal;
        return Check(principal) switch
        {
            (SessionValidity.Verdict.Holds, _) => principal,
            (SessionValidity.Verdict.Renew, { } user) => Renewed(principal, user),
            _ => new ClaimsPrincipal(new ClaimsIdentity()),
        };
    }

    /// <summary>The same session with the user's role as stored now.</summary>
    public static ClaimsPrincipal Renewed(ClaimsPrincipal principal, StoredUser user) =>
        LifeboatClaims.Session(user, LifeboatClaims.SessionIdOf(principal)!, LifeboatClaims.PasswordGenerationOf(principal));
}
