using Lifeboat.Server.Data;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Server.Security;

/// <summary>
/// GET/POST /login and POST /logout for browsers, both form posts checked against the antiforgery token (a form
/// posted from another site carries none, or one that does not match this browser's antiforgery cookie).
/// </summary>
public static class LoginEndpoints
{
    private const string HtmlType = "text/html; charset=utf-8";

    /// <summary>Who a refused login is, in the audit log: no one yet (the target says which user was tried).</summary>
    private const string AnonymousWho = "-";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet(LifeboatAuthentication.LoginPath, Page).AllowAnonymous().ExcludeFromDescription();
        app.MapGet(LoginPage.StylesheetPath, () => TypedResults.Text(LoginPage.Stylesheet, "text/css; charset=utf-8")).AllowAnonymous().ExcludeFromDescription();
        app.MapPost(LifeboatAuthentication.LoginPath, LogIn).AllowAnonymous().WithMetadata(new RequireAntiforgeryTokenAttribute()).ExcludeFromDescription();
        app.MapPost(LifeboatAuthentication.LogoutPath, LogOut).RequireAuthorization(LifeboatPolicies.Viewer)
            .WithMetadata(new RequireAntiforgeryTokenAttribute()).ExcludeFromDescription();
    }

    private static IResult Page(HttpContext context, IAntiforgery antiforgery, string? returnUrl) =>
        PageResult(context, antiforgery, returnUrl, null, null, StatusCodes.Status200OK);

    private static async Task<IResult> LogIn(HttpContext context, IAntiforgery antiforgery, UserStore users, BrowserSessions sessions, LoginThrottle throttle, AuditLog audit,
        ILoggerFactory loggers)
    {
        if (!HasValidAntiforgeryToken(context))
            return Refused();
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var user = form["username"].ToString().Trim();
        var password = form["password"].ToString();
        var returnUrl = form["returnUrl"].ToString();
        var address = context.Connection.RemoteIpAddress?.ToString();
        var logger = loggers.CreateLogger(typeof(LoginEndpoints));
        if (user.Length is 0 or > AccountName.MaxLength || password.Length is 0 or > AccountName.MaxPasswordLength)
            return PageResult(context, antiforgery, returnUrl, "Give your user name and password.", null, StatusCodes.Status400BadRequest);

        var attempt = throttle.Begin(user, address);
        if (!attempt.MayGoAhead)
        {
            var seconds = attempt.WaitSeconds;
            SecurityLog.LoginThrottled(logger, user, address, seconds);
            audit.Record(AnonymousWho, address, "login", user, $"throttled: {seconds} s");
            context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return PageResult(context, antiforgery, returnUrl, $"Too many failed sign-ins; wait {seconds} s and try again.", user, StatusCodes.Status429TooManyRequests);
        }

        var stored = users.Get(user);
        var valid = stored is not null ? PasswordHasher.Verify(password, stored.PasswordHash) : DecoyFails(password);
        if (!valid || stored is null)
        {
            throttle.Failed(user, address);
            SecurityLog.LoginFailed(logger, user, address, attempt.Failures);
            audit.Record(AnonymousWho, address, "login", user, "failed");
            return PageResult(context, antiforgery, returnUrl, "The user name or password is wrong.", user, StatusCodes.Status401Unauthorized);
        }

        throttle.Succeeded(user, address);
        await context.SignInAsync(LifeboatAuthentication.CookieScheme, sessions.Begin(stored, address));
        SecurityLog.LoggedIn(logger, stored.Name, address);
        audit.Record(stored.Name, address, "login", stored.Name, "ok");
        return TypedResults.Redirect(ReturnUrl.LocalOrHome(returnUrl));
    }

    private static async Task<IResult> LogOut(HttpContext context, BrowserSessions sessions, AuditLog audit)
    {
        if (!HasValidAntiforgeryToken(context))
            return Refused();
        // Ended on the server, not only in this browser: a copy of the cookie is refused from now on.
        sessions.End(context.User);
        await audit.RecordAsync(context.User, context.Connection.RemoteIpAddress?.ToString(), "logout", LifeboatClaims.Who(context.User), "ok", context.RequestAborted);
        await context.SignOutAsync(LifeboatAuthentication.CookieScheme);
        return TypedResults.Redirect(LifeboatAuthentication.LoginPath);
    }

    /// <summary>The antiforgery middleware has checked the post (the endpoints carry its metadata); this reads its verdict.</summary>
    internal static bool HasValidAntiforgeryToken(HttpContext context) =>
        context.Features.Get<IAntiforgeryValidationFeature>() is { IsValid: true };

    private static IResult Refused() => TypedResults.Text(
        "This form did not come from this Lifeboat server's own page (its antiforgery token is missing or wrong); open /login again and sign in from there.",
        "text/plain; charset=utf-8", statusCode: StatusCodes.Status400BadRequest);

    private static bool DecoyFails(string password)
    {
        PasswordHasher.VerifyDecoy(password);
        return false;
    }

    private static IResult PageResult(HttpContext context, IAntiforgery antiforgery, string? returnUrl, string? message, string? user, int status)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        return TypedResults.Text(LoginPage.Render(tokens.FormFieldName, tokens.RequestToken!, ReturnUrl.LocalOrHome(returnUrl), message, user), HtmlType, statusCode: status);
    }
}
