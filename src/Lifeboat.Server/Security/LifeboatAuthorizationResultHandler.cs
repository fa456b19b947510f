using Lifeboat.Server.Api;
using Lifeboat.Server.Contracts.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;

namespace Lifeboat.Server.Security;

/// <summary>
/// A refused request gets one sentence like every other error: a 401 says how to sign in, a 403 names the role the
/// endpoint needs. A refused change is written to the audit log.
/// </summary>
internal sealed class LifeboatAuthorizationResultHandler(AuditLog audit) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        var page = LifeboatAuthentication.IsPageRequest(context.Request);
        if (authorizeResult.Succeeded || (page && !authorizeResult.Forbidden))
        {
            await _default.HandleAsync(next, context, policy, authorizeResult);
            return;
        }

        if (authorizeResult.Forbidden)
        {
            var needed = NeededRole(authorizeResult.AuthorizationFailure) ?? LifeboatRoles.Viewer;
            var who = LifeboatClaims.Who(context.User);
            await context.ForbidAsync();
            if (page)
            {
                context.Response.ContentType = "text/html; charset=utf-8";
                await context.Response.WriteAsync(RefusedPage.Render(
                    $"This page needs the {needed} role and {who} has {LifeboatClaims.Role(context.User) ?? "none"}; ask an admin for it."), context.RequestAborted);
                return;
            }

            if (!HttpMethods.IsGet(context.Request.Method) && context.GetEndpoint()?.Metadata.GetMetadata<AuditAction>() is { } action)
            {
                await audit.RecordAsync(context.User, context.Connection.RemoteIpAddress?.ToString(), action.Name,
                    AuditTarget.FromRoute(context.Request.RouteValues), $"denied: needs {needed}", context.RequestAborted);
            }

            await ErrorAnswers.WriteAsync(context, ErrorAnswers.Problem(context.Response.StatusCode,
                $"This needs the {needed} role and {who} has {LifeboatClaims.Role(context.User) ?? "none"}; ask an admin for a user or API token with the {needed} role."));
            return;
        }

        await context.ChallengeAsync();
        if (context.Response.StatusCode == StatusCodes.Status401Unauthorized && !context.Response.HasStarted)
        {
            var sentence = context.Request.Headers.Authorization.Count > 0
                ? "The API token is unknown or revoked; ask an admin for a new API token and send it as Authorization: Bearer lb_…."
                : $"Sign in first: send an API token as Authorization: Bearer lb_… (the CLI reads {ApiTokenFile.TokenVariable} or the data folder's {ApiTokenFile.FileName}), or log in at {LifeboatAuthentication.LoginPath}.";
            await ErrorAnswers.WriteAsync(context, ErrorAnswers.Problem(context.Response.StatusCode, sentence));
        }
    }

    private static string? NeededRole(AuthorizationFailure? failure) =>
        failure?.FailedRequirements.OfType<RolesAuthorizationRequirement>().Select(r => r.AllowedRoles.FirstOrDefault()).FirstOrDefault(r => r is not null);
}
