using System.Text.Json.Serialization.Metadata;
using Lifeboat.Server.Contracts;
using Lifeboat.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Lifeboat.Server.Api;

/// <summary>
/// The one place an error becomes an HTTP answer: a <see cref="LifeboatException"/> thrown by a REST endpoint or the
/// services it calls, a request the framework cannot bind (<see cref="BadRequests"/> words it), and an argument a library
/// below refused (400 with its sentence, as a fallback: the services turn what a user's input can cause into a
/// LifeboatException naming the field). Each is problem details with its status, the sentence and its field; an audited
/// endpoint's refusal the framework threw before the endpoint ran is in the audit log like any other.
/// </summary>
public static class ErrorAnswers
{
    /// <summary>Call first; the route handlers must throw on bad requests (<c>RouteHandlerOptions.ThrowOnBadRequest</c>) for it to see them.</summary>
    public static void UseErrorAnswers(this WebApplication app) => app.Use(async (context, next) =>
    {
        try
        {
            await next(context);
        }
        catch (Exception e) when (!context.Response.HasStarted
            && (e is BadHttpRequestException || (e is LifeboatException or ArgumentException && context.Request.Path.StartsWithSegments("/api"))))
        {
            var answer = Of(e);
            if (e is BadHttpRequestException && context.GetEndpoint()?.Metadata.GetMetadata<AuditAction>() is { } action)
            {
                await context.RequestServices.GetRequiredService<AuditLog>().RecordAsync(context.User, context.Connection.RemoteIpAddress?.ToString(),
                    action.Name, AuditTarget.FromRoute(context.Request.RouteValues), $"refused {answer.Status}: {answer.Detail}", CancellationToken.None);
            }

            context.Response.Clear();
            if (e is LifeboatException { Reason: LifeboatErrorReason.Throttled } throttled)
                context.Response.Headers.RetryAfter = throttled.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await WriteAsync(context, answer);
        }
    });

    public static ApiError Of(Exception refused) => refused switch
    {
        LifeboatException e => Problem(Status(e.Reason), e.Message, e.Problems),
        BadHttpRequestException e => Problem(e.StatusCode, BadRequests.Sentence(e)),
        // No field: a library's parameter name is a word of its code, not one of the request's fields.
        ArgumentException e => Problem(StatusCodes.Status400BadRequest, $"{Sentence(e).TrimEnd('.')}; the server describes each request at /openapi/v1.json."),
        _ => Problem(StatusCodes.Status400BadRequest, refused.Message),
    };

    public static ApiError Problem(int status, string detail, IReadOnlyList<FieldProblem>? fields = null) =>
        new(Title(status), status, detail)
        {
            Field = fields is { Count: > 0 } ? fields[0].Field : null,
            Fields = fields is { Count: > 0 } ? fields : null,
        };

    /// <summary>Writes the answer with the JSON options of every other answer (their encoder leaves a sentence's quotes as they are).</summary>
    public static Task WriteAsync(HttpContext context, ApiError answer)
    {
        context.Response.StatusCode = answer.Status;
        var json = context.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        return context.Response.WriteAsJsonAsync(answer, (JsonTypeInfo<ApiError>)json.GetTypeInfo(typeof(ApiError)), ApiError.ContentType, context.RequestAborted);
    }

    public static int Status(LifeboatErrorReason reason) => reason switch
    {
        LifeboatErrorReason.Invalid => StatusCodes.Status400BadRequest,
        LifeboatErrorReason.NotFound => StatusCodes.Status404NotFound,
        LifeboatErrorReason.Conflict => StatusCodes.Status409Conflict,
        LifeboatErrorReason.Forbidden => StatusCodes.Status403Forbidden,
        LifeboatErrorReason.Throttled => StatusCodes.Status429TooManyRequests,
        _ => StatusCodes.Status503ServiceUnavailable,
    };

    public static string Title(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "The request is not valid",
        StatusCodes.Status401Unauthorized => "Sign in first",
        StatusCodes.Status403Forbidden => "Not allowed",
        StatusCodes.Status404NotFound => "Not found",
        StatusCodes.Status409Conflict => "Conflict with the current state",
        StatusCodes.Status413PayloadTooLarge => "The request body is too large",
        StatusCodes.Status415UnsupportedMediaType => "The request body is not JSON",
        StatusCodes.Status429TooManyRequests => "Too many attempts",
        StatusCodes.Status503ServiceUnavailable => "Not available now",
        _ => "The request was refused",
    };

    /// <summary>An ArgumentException's message without the " (Parameter 'x')" .NET appends when it names its parameter.</summary>
    private static string Sentence(ArgumentException refused)
    {
        var message = refused.Message;
        var tail = $" (Parameter '{refused.ParamName}')";
        return message.EndsWith(tail, StringComparison.Ordinal) ? message[..^tail.Length] : message;
    }
}
