namespace Lifeboat.Errors;

/// <summary>
/// A refused request: its <see cref="Reason"/>, one sentence that says what is wrong and how to fix it (in the words of
/// the request's fields, never a CLI flag: only the CLI turns a field into its flag), and the <see cref="Field"/> it is
/// about when there is one. <see cref="Problems"/> has every field's problem when validation found several; then the
/// message is all their sentences.
/// </summary>
public class LifeboatException : Exception
{
    public LifeboatException(LifeboatErrorReason reason, string message, string? field = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Reason = reason;
        Problems = field is null ? [] : [new FieldProblem(field, message)];
    }

    /// <summary>An invalid request: every field's problem (their sentences are the message).</summary>
    public LifeboatException(IReadOnlyList<FieldProblem> problems)
        : base(string.Join(" ", problems.Select(p => p.Message)))
    {
        Reason = LifeboatErrorReason.Invalid;
        Problems = problems;
    }

    public LifeboatErrorReason Reason { get; }

    /// <summary>The request's field the sentence is about (the first one's when there are several), or null.</summary>
    public string? Field => Problems.Count > 0 ? Problems[0].Field : null;

    /// <summary>Each field's problem; empty when the refusal names no field.</summary>
    public IReadOnlyList<FieldProblem> Problems { get; }

    /// <summary>Seconds to wait before trying again, for <see cref="LifeboatErrorReason.Throttled"/>.</summary>
    public int RetryAfterSeconds { get; init; }

    public static LifeboatException NotFound(string message, string? field = null) => new(LifeboatErrorReason.NotFound, message, field);

    public static LifeboatException Conflict(string message, string? field = null, Exception? innerException = null) =>
        new(LifeboatErrorReason.Conflict, message, field, innerException);

    public static LifeboatException Invalid(string field, string message, Exception? innerException = null) =>
        new(LifeboatErrorReason.Invalid, message, field, innerException);
}
