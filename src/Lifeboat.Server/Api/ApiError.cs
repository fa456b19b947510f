using System.Text.Json.Serialization;
using Lifeboat.Server.Contracts;

namespace Lifeboat.Server.Api;

/// <summary>The body of every error answer: one sentence that says what to do.</summary>
public sealed record ApiError(string Message)
{
    /// <summary>The request's field the sentence is about, when the error names one (file restore's <c>path</c>, <c>vm</c>, …).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Field { get; init; }

    /// <summary>Every field's problem when a request's validation found several (<see cref="Message"/> holds all their sentences).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<FieldProblem>? Fields { get; init; }

    /// <summary>A refused request's answer: with every field's problem when the refusal has them.</summary>
    public static ApiError From(ArgumentException refused) =>
        refused is InvalidFieldsException invalid ? Of(invalid.Problems, invalid.Message) : new ApiError(refused.Message);

    public static ApiError Of(IReadOnlyList<FieldProblem> problems, string message) =>
        new(message) { Field = problems.Count > 0 ? problems[0].Field : null, Fields = problems };
}
