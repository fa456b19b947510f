using Lifeboat.Server.Contracts.Security;
using Lifeboat.Server.Data;
using Lifeboat.Server.Hosting;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Lifeboat.Server.Security;

/// <summary>
/// The two ways in: a cookie for browsers and <c>Authorization: Bearer lb_…</c> for the CLI and scripts. A request
/// with a bearer header is judged by the token alone (a browser cookie cannot lend it rights), any other by its cookie.
/// </summary>
public static class LifeboatAuthentication
{
    public const string CookieScheme = "lifeboat-cookie";
    public const string TokenScheme = "lifeboat-token";

    /// <summary>The default scheme: forwards to <see cref="TokenScheme"/> or <see cref="CookieScheme"/>.</summary>
    public const string EitherScheme = "lifeboat";

    public const string CookieName = "lifeboat.session";
    public const string AntiforgeryCookieName = "lifeboat.antiforgery";
    public const string LoginPath = "/login";
    public const string LogoutPath = "/logout";

    public static IServiceCollection AddLifeboatSecurity(this IServiceCollection services, DataFolder data)
    {
        // Cookies and antiforgery tokens must survive a restart: the keys that sign them live in the data folder, 0700.
        OwnerOnlyFile.CreateFolder(data.Keys);
        services.AddDataProtection().SetApplicationName("lifeboat").PersistKeysToFileSystem(new DirectoryInfo(data.Keys));

        services.AddSingleton<TokenAuthenticator>();
        services.AddSingleton<LoginThrottle>();
        services.AddSingleton<AuditLog>();
        services.AddSingleton<BrowserSessionStore>();
        services.AddSingleton<BrowserSessions>();
        services.AddSingleton<Accounts>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, LifeboatAuthorizationResultHandler>();
        services.AddAuthentication(EitherScheme)
            .AddPolicyScheme(EitherScheme, "Cookie or API token", policy => policy.ForwardDefaultSelector = context =>
                ApiTokenHandler.HasBearer(context.Request) ? TokenScheme : CookieScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiTokenHandler>(TokenScheme, null)
            .AddCookie(CookieScheme, cookie =>
            {
                cookie.Cookie.Name = CookieName;
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Strict;
                cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                cookie.LoginPath = LoginPath;
                cookie.LogoutPath = LogoutPath;
                cookie.ExpireTimeSpan = BrowserSessions.Lifetime;
                cookie.SlidingExpiration = true;
                cookie.Events = new SessionCookieEvents();
            });

        var viewer = Policy(LifeboatRoles.Viewer);
        services.AddAuthorizationBuilder()
            .SetDefaultPolicy(viewer)
            // Anything mapped without a policy (a page, a static file) still needs a signed-in user.
            .SetFallbackPolicy(viewer)
            .AddPolicy(LifeboatPolicies.Viewer, viewer)
            .AddPolicy(LifeboatPolicies.Operator, Policy(LifeboatRoles.Operator))
            .AddPolicy(LifeboatPolicies.Admin, Policy(LifeboatRoles.Admin));

        services.AddAntiforgery(antiforgery =>
        {
            antiforgery.Cookie.Name = AntiforgeryCookieName;
            antiforgery.Cookie.SameSite = SameSiteMode.Strict;
            antiforgery.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            // FrameHeaders sets DENY on every answer; antiforgery would add SAMEORIGIN to the few that make a token.
            antiforgery.SuppressXFrameOptionsHeader = true;
        });
        return services;
    }

    public static WebApplication UseLifeboatSecurity(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseCrossSiteRefusal();
        app.UseAuthorization();
        app.UseAntiforgery();
        return app;
    }

    /// <summary>A browser asking for a page is sent to /login; anything else (the CLI, fetch, curl) gets a 401.</summary>
    internal static bool IsPageRequest(HttpRequest request) =>
        HttpMethods.IsGet(request.Method) && request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);

    private static AuthorizationPolicy Policy(string role) =>
        new AuthorizationPolicyBuilder().RequireAuthenticatedUser().RequireRole(LifeboatRoles.AtLeast(role)).Build();
}
