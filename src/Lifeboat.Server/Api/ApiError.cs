using System.Text.Json.Serialization;

namespace Lifeboat.Server.Api;

/// <summary>The body of every error answer: one sentence that says what to do.</summary>
public sealed record ApiError(string Message)
{
    /// <summary>The request's field the sentence is about, when the error names one (file restore's <c>path</c>, <c>vm</c>, …).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Field { get; init; }
}
