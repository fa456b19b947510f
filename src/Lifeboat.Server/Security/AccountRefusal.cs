namespace Lifeboat.Server.Security;

/// <summary>Why <see cref="Accounts"/> refused a change; the REST API answers each with its own status code.</summary>
public enum AccountRefusal
{
    /// <summary>A name, role or password that is not valid (400).</summary>
    Invalid,

    /// <summary>No such user or live token (404).</summary>
    NotFound,

    /// <summary>It exists already, or removing it would leave no admin (409).</summary>
    Conflict,

    /// <summary>Not the caller's to change, or the current password is wrong (403).</summary>
    Forbidden,

    /// <summary>Too many wrong passwords in a row: wait (429).</summary>
    Throttled,
}

/// <summary>A refused account change: <see cref="Exception.Message"/> is the one sentence the caller sees.</summary>
public sealed class AccountException(AccountRefusal refusal, string message) : Exception(message)
{
    /// <summary>An invalid request: every field's problem (its sentences are the message).</summary>
    public AccountException(IReadOnlyList<Contracts.FieldProblem> problems)
        : this(AccountRefusal.Invalid, string.Join(" ", problems.Select(p => p.Message))) => Problems = problems;

    public AccountRefusal Refusal { get; } = refusal;

    /// <summary>Which fields an <see cref="AccountRefusal.Invalid"/> request got wrong, and why; empty for other refusals.</summary>
    public IReadOnlyList<Contracts.FieldProblem> Problems { get; } = [];

    /// <summary>Seconds to wait, for <see cref="AccountRefusal.Throttled"/>.</summary>
    public int RetryAfterSeconds { get; init; }
}
