using Lifeboat.Server.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Lifeboat.Server.Security;

/// <summary>
/// A browser session holds only while its user exists, with the role the user has now, and while the password is the
/// one it signed in with (unless this session changed it): removing a user, changing a role or a password takes effect
/// on the next request, not when the cookie expires.
/// </summary>
internal sealed class SessionCookieEvents : CookieAuthenticationEvents
{
    public override async Task ValidatePrincipal(CookieValidatePrincipalContext context)
    {
        var name = context.Principal?.Identity?.Name;
        var user = name is null ? null : context.HttpContext.RequestServices.GetRequiredService<UserStore>().Get(name);
        switch (SessionValidity.Judge(context.Principal!, user))
        {
            case SessionValidity.Verdict.Ended:
                context.RejectPrincipal();
                await context.HttpContext.SignOutAsync(LifeboatAuthentication.CookieScheme);
                return;
            case SessionValidity.Verdict.Renew:
                context.ReplacePrincipal(LifeboatClaims.Session(user!, LifeboatClaims.SessionIdOf(context.Principal!) ?? LifeboatClaims.NewSessionId(),
                    LifeboatClaims.PasswordGenerationOf(context.Principal!)));
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
