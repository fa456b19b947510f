using Lifeboat.Server.Security;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Server.WebConsole;

/// <summary>
/// A circuit keeps the user it was opened with for as long as the page stays open; this checks every
/// <see cref="RevalidationInterval"/> that its browser session still holds with the same role, as the cookie does on
/// each request, and the page's router then stops showing what the user may no longer see. Actions do not wait for
/// it: <see cref="ConsoleUser"/> and <see cref="ConsoleActions"/> check the session again on every one.
/// </summary>
internal sealed class ConsoleAuthenticationState(ILoggerFactory loggers, BrowserSessions sessions) : RevalidatingServerAuthenticationStateProvider(loggers)
{
    /// <summary>One indexed read per open page: short, so that what a page shows (not only what it does) follows the user soon.</summary>
    protected override TimeSpan RevalidationInterval => TimeSpan.FromSeconds(5);

    protected override Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken) =>
        Task.FromResult(sessions.Check(authenticationState.User).Verdict == SessionValidity.Verdict.Holds);
}
