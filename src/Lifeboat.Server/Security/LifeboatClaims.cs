using System.Security.Claims;

namespace Lifeboat.Server.Security;

/// <summary>What a signed-in principal carries: <see cref="ClaimTypes.Name"/>, <see cref="ClaimTypes.Role"/>, and how it signed in.</summary>
public static class LifeboatClaims
{
    /// <summary><c>password</c> (a browser session) or <c>token</c>.</summary>
    public const string Via = "lifeboat:via";

    public const string TokenId = "lifeboat:token-id";

    public static ClaimsPrincipal Principal(string name, string role, string via, string scheme, long? tokenId = null)
    {
        var claims = new List<Claim> { new(ClaimTypes.Name, name), new(ClaimTypes.Role, role), new(Via, via) };
        if (tokenId is { } id)
            claims.Add(new Claim(TokenId, id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme, ClaimTypes.Name, ClaimTypes.Role));
    }

    /// <summary>The name the audit log keeps: the user, <c>token:NAME</c>, or <c>-</c> for no one.</summary>
    public static string Who(ClaimsPrincipal principal) =>
        principal.Identity is { IsAuthenticated: true, Name: { } name } ? name : "-";

    public static string? Role(ClaimsPrincipal principal) => principal.FindFirst(ClaimTypes.Role)?.Value;
}
