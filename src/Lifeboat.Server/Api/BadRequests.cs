using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Lifeboat.Server.Api;

/// <summary>
/// The words for a request the framework cannot bind: malformed JSON, a number that does not fit its field, a refused
/// string, a missing or oversized body. <see cref="ErrorAnswers"/> answers it with a 400 (413, 415), never a 500.
/// </summary>
public static class BadRequests
{
    /// <summary>The largest request body the server reads: far above any request of the API, far below what would hurt.</summary>
    public const long MaxBodyBytes = 16 << 20;

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
