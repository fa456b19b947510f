using System.Security.Claims;
using Lifeboat.Server.Data;
using Lifeboat.Server.Security;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Server.WebConsole;

/// <summary>
/// A circuit keeps the user it was opened with for as long as the page stays open; this checks every
/// <see cref="RevalidationInterval"/> that the user still exists with the same role and password, as the cookie does on
/// each request. A removed or re-roled user's open page, or one whose password another session changed, then acts as no
/// one (every action refused) until it is reloaded.
/// </summary>
internal sealed class ConsoleAuthenticationState(ILoggerFactory loggers, UserStore users) : RevalidatingServerAuthenticationStateProvider(loggers)
{
    protected override TimeSpan RevalidationInterval => TimeSpan.FromSeconds(30);

    protected override Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken) =>
        Task.FromResult(StillValid(authenticationState.User));

    private bool StillValid(ClaimsPrincipal user) =>
        user.Identity?.Name is { } name && SessionValidity.Judge(user, users.Get(name)) == SessionValidity.Verdict.Holds;
}
