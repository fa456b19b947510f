using System.Security.Claims;

namespace Lifeboat.Server.WebConsole;

/// <summary>Which console actions a user's roles allow.</summary>
public static class ConsoleRoles
{
    // Until the server authenticates (issue 11's auth branch), nobody is signed in and everyone operates.
    public static bool CanOperate(ClaimsPrincipal user) =>
        user.Identity?.IsAuthenticated != true || user.IsInRole("operator") || user.IsInRole("admin");
}
