using System.Security.Claims;
using Lifeboat.Server.Contracts.Security;

namespace Lifeboat.Server.WebConsole;

/// <summary>Which console actions a user's roles allow: the operator policy's roles, as the REST API requires them.</summary>
public static class ConsoleRoles
{
    private static readonly string[] Operators = LifeboatRoles.AtLeast(LifeboatRoles.Operator);

    public static bool CanOperate(ClaimsPrincipal user) =>
        user.Identity?.IsAuthenticated == true && Operators.Any(user.IsInRole);
}
