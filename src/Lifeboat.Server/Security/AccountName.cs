namespace Lifeboat.Server.Security;

/// <summary>What a new user or token may be called and given. Names: a letter, then letters, digits, '.', '_' or '-', at most 64 (so a name is never an id).</summary>
public static class AccountName
{
    public const int MaxLength = 64;
    public const int MinPasswordLength = 12;

    /// <summary>What the login form accepts: a longer password could be set but never typed in.</summary>
    public const int MaxPasswordLength = 1024;

    /// <returns>The sentence that says what is wrong, or null for a good name.</returns>
    public static string? Problem(string? name, string what) =>
        name is { Length: > 0 and <= MaxLength } && char.IsAsciiLetter(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-')
            ? null
            : $"'{name}' is not a {what} name; use a letter, then letters, digits, '.', '_' or '-' (at most {MaxLength}).";

    /// <returns>The sentence that says what is wrong, or null for one of the three roles.</returns>
    public static string? RoleProblem(string? role) =>
        Contracts.Security.LifeboatRoles.IsRole(role) ? null : $"'{role}' is not a role; use viewer, operator or admin.";

    /// <returns>The sentence that says what is wrong with a new password, or null for a good one.</returns>
    public static string? PasswordProblem(string? password) => password switch
    {
        null or { Length: < MinPasswordLength } => $"The password is too short; use at least {MinPasswordLength} characters.",
        { Length: > MaxPasswordLength } => $"The password is too long; use at most {MaxPasswordLength} characters.",
        _ => null,
    };
}
