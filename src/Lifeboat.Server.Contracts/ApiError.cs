using System.Text.Json.Serialization;
using Lifeboat.Errors;

namespace Lifeboat.Server.Contracts;

/// <summary>
/// The body of every error answer, as RFC 9457's problem details (sent as application/problem+json): <see cref="Detail"/>
/// is the one sentence that says what is wrong and how to fix it, <see cref="Field"/> and <see cref="Fields"/> the
/// request's fields it is about. <see cref="Message"/> repeats the sentence for clients older than problem details.
/// </summary>
public sealed record ApiError(
    [property: JsonPropertyOrder(1)] string Title,
    [property: JsonPropertyOrder(2)] int Status,
    [property: JsonPropertyOrder(3)] string Detail)
{
    public const string ContentType = "application/problem+json";

    /// <summary>RFC 9457's problem type: none beyond the status's own.</summary>
    [JsonPropertyOrder(0)]
    public string Type { get; init; } = "about:blank";

    [JsonPropertyOrder(4)]
    public string Message => Detail;

    /// <summary>The request's field the sentence is about (file restore's <c>path</c>, a job's <c>vm</c>, …).</summary>
    [JsonPropertyOrder(5)]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Field { get; init; }

    /// <summary>Every field's problem when a request's validation found several (<see cref="Detail"/> holds all their sentences).</summary>
    [JsonPropertyOrder(6)]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<FieldProblem>? Fields { get; init; }
}
