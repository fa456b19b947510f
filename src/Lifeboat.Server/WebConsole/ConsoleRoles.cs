using System.Security.Claims;
using Lifeboat.Server.Contracts.Security;
using Lifeboat.Server.Security;

namespace Lifeboat.Server.WebConsole;

/// <summary>Which console actions a user's roles allow: the policies' roles, as the REST API requires them.</summary>
public static class ConsoleRoles
{
    public static bool CanOperate(ClaimsPrincipal user) => Holds(user, LifeboatRoles.Operator);

    public static bool IsAdmin(ClaimsPrincipal user) => Holds(user, LifeboatRoles.Admin);

    public static bool Holds(ClaimsPrincipal user, string role) =>
        user.Identity?.IsAuthenticated == true && LifeboatRoles.AtLeast(role).Any(user.IsInRole);

    /// <summary>The sentence for an action or page beyond the user's role.</summary>
    public static string Refusal(ClaimsPrincipal user, string role) =>
        $"This needs the {role} role and {LifeboatClaims.Who(user)} has {LifeboatClaims.Role(user) ?? "none"}; ask an admin for it.";
}
