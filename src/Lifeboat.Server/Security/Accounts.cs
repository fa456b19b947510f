using System.Globalization;
using System.Security.Claims;
using Lifeboat.Server.Contracts.Security;
using Lifeboat.Server.Data;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Server.Security;

/// <summary>
/// Users and API tokens, changed the same way from REST and from the console: every check and every sentence is here
/// once. The callers check the caller's role (the endpoint's policy, <see cref="WebConsole.ConsoleActions"/>) and
/// write the audit log; what is refused throws <see cref="LifeboatException"/>.
/// </summary>
public sealed class Accounts(UserStore users, TokenStore tokens, LoginThrottle throttle, TimeProvider time, Hosting.DataFolder data, ILogger<Accounts> logger)
{
    public IReadOnlyList<UserView> ListUsers() => [.. users.List().Select(View)];

    public IReadOnlyList<TokenView> ListTokens() => [.. tokens.List().Select(View)];

    /// <summary>Adds a user; without a password the server makes one, and the answer holds it (the only time it is shown).</summary>
    public AddedUserView AddUser(ClaimsPrincipal who, AddUserRequest request)
    {
        var problems = new List<FieldProblem>();
        if (AccountName.Problem(request.Name, "user") is { } problem)
            problems.Add(new(AccountField.Name, problem));
        if (AccountName.RoleProblem(request.Role) is { } wrongRole)
            problems.Add(new(AccountField.Role, wrongRole));
        if (request.Password is not null && AccountName.PasswordProblem(request.Password) is { } weak)
            problems.Add(new(AccountField.Password, weak.TrimEnd('.') + ", or give none and the server makes one."));
        if (problems.Count > 0)
            throw new LifeboatException(problems);
        var generated = request.Password is null ? PasswordHasher.Generate() : null;
        var user = new StoredUser(request.Name, request.Role, PasswordHasher.Hash(request.Password ?? generated!), time.GetUtcNow(), LifeboatClaims.Who(who));
        if (!users.Add(user))
            throw new LifeboatException(LifeboatErrorReason.Conflict, $"There is a user {request.Name} already; pick another name, or remove that user first.", AccountField.Name);
        return new AddedUserView(View(user), generated);
    }

    /// <summary>Removes a user and revokes the API tokens they created; the last admin stays.</summary>
    public void RemoveUser(string name)
    {
        var user = users.Get(name) ?? throw NoUser(name);
        if (user.Role == LifeboatRoles.Admin && users.CountWithRole(LifeboatRoles.Admin) == 1)
            throw new LifeboatException(LifeboatErrorReason.Conflict, $"{name} is the last admin; add another user with the admin role first.");
        users.Remove(name);
        tokens.RevokeCreatedBy(name, time.GetUtcNow());
    }

    /// <summary>
    /// Sets <paramref name="name"/>'s password. Users change their own with their current password (a wrong one counts
    /// towards the login throttle, as a failed login does); an admin sets anyone else's without it. The user's other
    /// browser sessions end; the caller's own session and every API token go on.
    /// </summary>
    public void ChangePassword(ClaimsPrincipal who, string? fromAddress, string name, ChangePasswordRequest request)
    {
        // Only a browser session is the user: an API token has a name of its own (token:NAME) and no password.
        var own = who.Identity?.Name == name && who.FindFirst(LifeboatClaims.Via)?.Value == LifeboatClaims.ViaPassword;
        if (!own && LifeboatClaims.Role(who) != LifeboatRoles.Admin)
        {
            throw new LifeboatException(LifeboatErrorReason.Forbidden,
                $"{LifeboatClaims.Who(who)} may change only their own password, signed in to the console; an admin sets other users'.");
        }

        if (AccountName.PasswordProblem(request.NewPassword) is { } weak)
            throw new LifeboatException([new FieldProblem(AccountField.NewPassword, weak)]);
        var user = users.Get(name) ?? throw NoUser(name);
        if (own)
            CheckCurrentPassword(user, request.CurrentPassword, fromAddress);
        // A password set for someone else ends all of their sessions; a change of one's own keeps the session making it
        // (a cookie from before sessions had ids cannot be told apart from the others: it ends too).
        if (!users.SetPassword(name, PasswordHasher.Hash(request.NewPassword), own ? LifeboatClaims.SessionIdOf(who) : null, time.GetUtcNow()))
            throw NoUser(name);
        if (name == FirstStart.AdminUser)
            File.Delete(data.InitialAdminPassword);
    }

    /// <summary>True while <paramref name="name"/> is the first start's admin still signing in with the password the server made.</summary>
    public bool HasInitialPassword(string name) =>
        users.Get(name) is { Name: FirstStart.AdminUser, CreatedBy: FirstStart.ServerCreator, PasswordGeneration: 0 } && File.Exists(data.InitialAdminPassword);

    public CreatedTokenView CreateToken(ClaimsPrincipal who, CreateTokenRequest request)
    {
        var problems = new List<FieldProblem>();
        if (AccountName.Problem(request.Name, "token") is { } problem)
            problems.Add(new(AccountField.Name, problem));
        if (AccountName.RoleProblem(request.Role) is { } wrongRole)
            problems.Add(new(AccountField.Role, wrongRole));
        if (problems.Count > 0)
            throw new LifeboatException(problems);
        var secret = ApiTokenSecret.Generate();
        var id = tokens.Add(request.Name, ApiTokenSecret.Hash(secret), request.Role, LifeboatClaims.Who(who), time.GetUtcNow())
            ?? throw new LifeboatException(LifeboatErrorReason.Conflict,
                $"There is a token {request.Name} already; revoke it first or pick another name.", AccountField.Name);
        return new CreatedTokenView(View(tokens.Get(id)!), secret);
    }

    /// <summary>Revokes a live token by name or id.</summary>
    public void RevokeToken(string nameOrId)
    {
        var token = long.TryParse(nameOrId, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? tokens.Get(id) : tokens.Get(nameOrId);
        if (token is null || !tokens.Revoke(token.Id, time.GetUtcNow()))
            throw new LifeboatException(LifeboatErrorReason.NotFound, $"There is no live token {nameOrId}.", "nameOrId");
    }

    private void CheckCurrentPassword(StoredUser user, string? current, string? fromAddress)
    {
        var attempt = throttle.Begin(user.Name, fromAddress);
        if (!attempt.MayGoAhead)
        {
            var seconds = attempt.WaitSeconds;
            SecurityLog.LoginThrottled(logger, user.Name, fromAddress, seconds);
            throw new LifeboatException(LifeboatErrorReason.Throttled, $"Too many wrong passwords; wait {seconds} s and try again.") { RetryAfterSeconds = seconds };
        }

        if (current is { Length: > 0 and <= AccountName.MaxPasswordLength } && PasswordHasher.Verify(current, user.PasswordHash))
        {
            throttle.Succeeded(user.Name, fromAddress);
            return;
        }

        throttle.Failed(user.Name, fromAddress);
        SecurityLog.WrongCurrentPassword(logger, user.Name, fromAddress, attempt.Failures);
        throw new LifeboatException(LifeboatErrorReason.Forbidden, "The current password is wrong; give the password you signed in with, or ask an admin to set a new one.");
    }

    private static LifeboatException NoUser(string name) =>
        new(LifeboatErrorReason.NotFound, $"There is no user {name}.", "name");

    private static UserView View(StoredUser user) => new(user.Name, user.Role, user.CreatedAt, user.CreatedBy);

    private static TokenView View(StoredToken token) =>
        new(token.Id, token.Name, token.Role, token.CreatedBy, token.CreatedAt, token.LastUsedAt, token.RevokedAt);
}
