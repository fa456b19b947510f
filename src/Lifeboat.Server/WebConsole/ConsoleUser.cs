using System.Security.Claims;
using Lifeboat.Server.Security;
using Microsoft.AspNetCore.Components.Authorization;

namespace Lifeboat.Server.WebConsole;

/// <summary>Who uses this circuit and from where: what the console's actions check and record.</summary>
public sealed class ConsoleUser(AuthenticationStateProvider authentication, BrowserSessions sessions)
{
    /// <summary>The browser's address as the server saw it when it served the page (set by <see cref="Routes"/>).</summary>
    public string? Address { get; set; }

    /// <summary>Who opened the page; <see cref="ConsoleActions"/> checks their browser session again before each action.</summary>
    public async Task<ClaimsPrincipal> PrincipalAsync() => (await authentication.GetAuthenticationStateAsync()).User;

    /// <summary>True when the user, as the server knows them now, may recover, migrate, stop and run jobs.</summary>
    public async Task<bool> CanOperateAsync() => ConsoleRoles.CanOperate(sessions.Current(await PrincipalAsync()));

    /// <summary>True when the user, as the server knows them now, may manage users, tokens and jobs.</summary>
    public async Task<bool> IsAdminAsync() => ConsoleRoles.IsAdmin(sessions.Current(await PrincipalAsync()));
}
