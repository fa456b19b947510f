using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Lifeboat.Server.Security;

/// <summary>
/// A browser session holds only while the server keeps it (<see cref="BrowserSessions"/>: not signed out, its user not
/// removed, its password not changed in another session), with the role the user has now: each takes effect on the
/// next request, not when the cookie expires.
/// </summary>
internal sealed class SessionCookieEvents : CookieAuthenticationEvents
{
    public override async Task ValidatePrincipal(CookieValidatePrincipalContext context)
    {
        var (verdict, user) = context.HttpContext.RequestServices.GetRequiredService<BrowserSessions>().Check(context.Principal!);
        switch (verdict)
        {
            case SessionValidity.Verdict.Ended:
                context.RejectPrincipal();
                await context.HttpContext.SignOutAsync(LifeboatAuthentication.CookieScheme);
                return;
            case SessionValidity.Verdict.Renew:
                context.ReplacePrincipal(BrowserSessions.Renewed(context.Principal!, user!));
                context.ShouldRenew = true;
                return;
        }
    }

    public override Task RedirectToLogin(RedirectContext<CookieAuthenticationOptions> context)
    {
        if (LifeboatAuthentication.IsPageRequest(context.Request))
            context.Response.Redirect(context.RedirectUri);
        else
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        return Task.CompletedTask;
    }

    public override Task RedirectToAccessDenied(RedirectContext<CookieAuthenticationOptions> context)
    {
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        return Task.CompletedTask;
    }
}
