using System.Text.Json;
using Lifeboat.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Lifeboat.Server.Api;

/// <summary>
/// The one place a request the framework cannot bind becomes an answer: malformed JSON, a number that does not fit its
/// field, a refused string, a missing or oversized body. It is a 400 (413, 415) with one sentence naming the field,
/// never a 500, and an audited endpoint's refusal is in the audit log like any other.
/// </summary>
public static class BadRequests
{
    /// <summary>The largest request body the server reads: far above any request of the API, far below what would hurt.</summary>
    public const long MaxBodyBytes = 16 << 20;

    /// <summary>Call first; the route handlers must throw on bad requests (<c>RouteHandlerOptions.ThrowOnBadRequest</c>) for it to see them.</summary>
    public static void UseBadRequestAnswers(this WebApplication app) => app.Use(async (context, next) =>
    {
        try
        {
            await next(context);
        }
        catch (BadHttpRequestException e) when (!context.Response.HasStarted)
        {
            var message = Sentence(e);
            if (context.GetEndpoint()?.Metadata.GetMetadata<AuditAction>() is { } action)
            {
                await context.RequestServices.GetRequiredService<AuditLog>().RecordAsync(context.User, context.Connection.RemoteIpAddress?.ToString(),
                    action.Name, AuditTarget.FromRoute(context.Request.RouteValues), $"refused {e.StatusCode}: {message}", CancellationToken.None);
            }

            context.Response.Clear();
            context.Response.StatusCode = e.StatusCode;
            await context.Response.WriteAsJsonAsync(new ApiError(message), ServerJsonContext.Default.ApiError, cancellationToken: context.RequestAborted);
        }
    });

    public static string Sentence(BadHttpRequestException refused)
    {
        if (refused.InnerException is JsonException json)
        {
            var where = json.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? $"The field {path[2..]}" : "The request body";
            return json is RefusedJsonText
                ? $"{where} is refused: {json.Message}; send it without."
                : $"{where} is not valid JSON of its type (a number that does not fit, text where a number belongs, or a body cut short); fix it and send again.";
        }

        return refused.StatusCode switch
        {
            StatusCodes.Status413PayloadTooLarge => $"The request body is larger than the {MaxBodyBytes >> 20} MiB the server reads; send a smaller one.",
            StatusCodes.Status415UnsupportedMediaType => "The request body must be JSON; send it with Content-Type: application/json.",
            _ when refused.Message.Contains("no body was provided", StringComparison.Ordinal) =>
                "This request needs a JSON body; the server describes each one at /openapi/v1.json.",
            _ => $"The request is not valid ({refused.Message.TrimEnd('.')}); the server describes each endpoint at /openapi/v1.json.",
        };
    }
}
