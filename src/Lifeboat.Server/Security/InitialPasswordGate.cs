using Lifeboat.Server.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Lifeboat.Server.Security;

/// <summary>
/// The first start's admin, signed in to the console with the password the server made, must set their own before
/// anything else: every page sends them to the password page, and every API call their browser session makes is a 403
/// with one sentence, but for the password change itself. API tokens are not concerned (they have no password).
/// </summary>
public static class InitialPasswordGate
{
    public const string PasswordPage = "/account/password";

    public const string Refusal =
        "You are signed in with the password the server made at its first start; set your own first, on the console's Change password page (or POST /api/users/admin/password).";

    /// <summary>Call after authentication (it needs the user).</summary>
    public static void UseInitialPasswordGate(this WebApplication app) => app.Use(async (context, next) =>
    {
        if (!MustChange(context))
        {
            await next(context);
            return;
        }

        var request = context.Request;
        if (request.Path.StartsWithSegments("/api"))
        {
            await ErrorAnswers.WriteAsync(context, ErrorAnswers.Problem(StatusCodes.Status403Forbidden, Refusal));
            return;
        }

        if (LifeboatAuthentication.IsPageRequest(request) && !request.Path.StartsWithSegments(PasswordPage))
        {
            context.Response.Redirect(request.PathBase + PasswordPage);
            return;
        }

        await next(context);
    });

    /// <remarks>Checked per request, as the cookie is: the file's absence or a new password lifts it at once.</remarks>
    private static bool MustChange(HttpContext context)
    {
        var user = context.User;
        if (user.Identity?.IsAuthenticated != true || user.FindFirst(LifeboatClaims.Via)?.Value != LifeboatClaims.ViaPassword
            || user.Identity.Name != FirstStart.AdminUser || IsOwnPasswordChange(context.Request))
            return false;
        return context.RequestServices.GetRequiredService<Accounts>().HasInitialPassword(FirstStart.AdminUser);
    }

    private static bool IsOwnPasswordChange(HttpRequest request) =>
        HttpMethods.IsPost(request.Method) && request.Path.Equals($"/api/users/{FirstStart.AdminUser}/password", StringComparison.Ordinal);
}
