using System.Security.Claims;

namespace Lifeboat.Server.Security;

/// <summary>What a signed-in principal carries: <see cref="ClaimTypes.Name"/>, <see cref="ClaimTypes.Role"/>, and how it signed in.</summary>
public static class LifeboatClaims
{
    /// <summary><c>password</c> (a browser session) or <c>token</c>.</summary>
    public const string Via = "lifeboat:via";

    /// <summary>The <see cref="Via"/> of a browser session, signed in with a password.</summary>
    public const string ViaPassword = "password";

    public const string TokenId = "lifeboat:token-id";

    /// <summary>A browser session's own random id, made at sign-in: the session that changes its password goes on.</summary>
    public const string SessionId = "lifeboat:session-id";

    /// <summary>The user's password generation at sign-in (see <see cref="Data.StoredUser.PasswordGeneration"/>).</summary>
    public const string PasswordGeneration = "lifeboat:password-generation";

    public static ClaimsPrincipal Principal(string name, string role, string via, string scheme, long? tokenId = null)
    {
        var claims = new List<Claim> { new(ClaimTypes.Name, name), new(ClaimTypes.Role, role), new(Via, via) };
        if (tokenId is { } id)
            claims.Add(new Claim(TokenId, id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme, ClaimTypes.Name, ClaimTypes.Role));
    }

    /// <summary>A browser session of <paramref name="user"/>, under the password generation the user has now (or <paramref name="generation"/>).</summary>
    public static ClaimsPrincipal Session(Data.StoredUser user, string sessionId, long? generation = null)
    {
        var principal = Principal(user.Name, user.Role, ViaPassword, LifeboatAuthentication.CookieScheme);
        var identity = (ClaimsIdentity)principal.Identity!;
        identity.AddClaim(new Claim(SessionId, sessionId));
        identity.AddClaim(new Claim(PasswordGeneration, (generation ?? user.PasswordGeneration).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return principal;
    }

    /// <summary>A new browser session's id: 16 random bytes.</summary>
    public static string NewSessionId() => PasswordHasher.Base64Url(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));

    /// <summary>The browser session's id; null for an API token (or a cookie from before sessions had ids).</summary>
    public static string? SessionIdOf(ClaimsPrincipal principal) => principal.FindFirst(SessionId)?.Value;

    /// <summary>The password generation a browser session signed in under; 0 for a cookie from before passwords changed.</summary>
    public static long PasswordGenerationOf(ClaimsPrincipal principal) =>
        long.TryParse(principal.FindFirst(PasswordGeneration)?.Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var g) ? g : 0;

    /// <summary>The name the audit log keeps: the user, <c>token:NAME</c>, or <c>-</c> for no one.</summary>
    public static string Who(ClaimsPrincipal principal) =>
        principal.Identity is { IsAuthenticated: true, Name: { } name } ? name : "-";

    public static string? Role(ClaimsPrincipal principal) => principal.FindFirst(ClaimTypes.Role)?.Value;
}
