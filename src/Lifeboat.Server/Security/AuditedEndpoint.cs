using Lifeboat.Server.Api;
using Lifeboat.Server.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Lifeboat.Server.Security;

/// <summary>Puts a REST endpoint's calls in the audit log: who, from where, the action, its target, and how it went.</summary>
public static class AuditedEndpoint
{
    /// <param name="target">What the call was about, from its arguments and its answer's document; by default the route's id or name.</param>
    public static RouteHandlerBuilder Audited(this RouteHandlerBuilder builder, string action, Func<EndpointFilterInvocationContext, object?, string>? target = null)
    {
        builder.WithMetadata(new AuditAction(action));
        return builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var audit = http.RequestServices.GetRequiredService<AuditLog>();
            object? result;
            try
            {
                result = await next(context);
            }
            catch (Exception e)
            {
                var outcome = e is LifeboatException or ArgumentException ? Refused(ErrorAnswers.Of(e)) : "failed: " + e.Message;
                await audit.RecordAsync(http.User, http.Connection.RemoteIpAddress?.ToString(), action,
                    target?.Invoke(context, null) ?? AuditTarget.FromRoute(http.Request.RouteValues), outcome, CancellationToken.None);
                throw;
            }

            var inner = result is INestedHttpResult nested ? nested.Result : result;
            var value = (inner as IValueHttpResult)?.Value;
            var described = target?.Invoke(context, value) ?? AuditTarget.FromRoute(http.Request.RouteValues);
            await audit.RecordAsync(http.User, http.Connection.RemoteIpAddress?.ToString(), action, described, Outcome(inner, value), CancellationToken.None);
            return result;
        });
    }

    private static string Outcome(object? result, object? value)
    {
        var status = (result as IStatusCodeHttpResult)?.StatusCode ?? StatusCodes.Status200OK;
        if (status < 400)
            return "ok";
        return value is ApiError error ? Refused(error) : $"refused {status}";
    }

    private static string Refused(ApiError error) => $"refused {error.Status}: {error.Detail}";
}
