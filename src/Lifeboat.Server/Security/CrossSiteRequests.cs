using Lifeboat.Server.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Lifeboat.Server.Security;

/// <summary>
/// Refuses cross-site request forgery: a change (POST, PUT, PATCH, DELETE) that rides on the browser's session cookie,
/// and anything on the console's circuit (its negotiation and its WebSocket) with that cookie, must come from this
/// server's own pages (<see cref="SameOrigin"/>). A request with an API token is the token's: no page of another site
/// can send one. A refusal is a 403 with one sentence, in the audit log as denied.
/// </summary>
public static class CrossSiteRequests
{
    /// <summary>The console's circuit: SignalR's negotiation, WebSocket and fallbacks are all under it.</summary>
    public const string CircuitPath = "/_blazor";

    /// <summary>What the audit log calls a refused request whose endpoint has no audit name of its own (the circuit).</summary>
    public const string Action = "cross-site";

    /// <summary>Call after authentication (the audit names the user) and before authorization.</summary>
    public static void UseCrossSiteRefusal(this WebApplication app) => app.Use(async (context, next) =>
    {
        if (!NeedsOwnOrigin(context.Request) || SameOrigin.ForeignSource(context.Request) is not { } source)
        {
            await next(context);
            return;
        }

        var own = SameOrigin.OwnOrigin(context.Request);
        var action = context.GetEndpoint()?.Metadata.GetMetadata<AuditAction>()?.Name ?? Action;
        var target = action == Action ? $"{context.Request.Method} {context.Request.Path}" : AuditTarget.FromRoute(context.Request.RouteValues);
        await context.RequestServices.GetRequiredService<AuditLog>().RecordAsync(context.User, context.Connection.RemoteIpAddress?.ToString(), action, target,
            $"denied: cross-site ({source})", context.RequestAborted);
        await ErrorAnswers.WriteAsync(context, ErrorAnswers.Problem(StatusCodes.Status403Forbidden,
            $"This request came from another site ({source}), not from this server's own pages ({own}); make the change in the console itself, or from a script with an API token (Authorization: Bearer lb_…)."));
    });

    /// <remarks>A request without the cookie is not the browser session's: it is signed in by its token, or by nothing (and then refused as such).</remarks>
    private static bool NeedsOwnOrigin(HttpRequest request)
    {
        if (ApiTokenHandler.HasBearer(request) || !request.Cookies.ContainsKey(LifeboatAuthentication.CookieName))
            return false;
        return request.Path.StartsWithSegments(CircuitPath) || !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)
            || HttpMethods.IsOptions(request.Method) || HttpMethods.IsTrace(request.Method));
    }
}
