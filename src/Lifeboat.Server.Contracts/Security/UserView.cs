namespace Lifeboat.Server.Contracts.Security;

/// <summary>A user as <c>GET /api/users</c> shows it; the password hash never leaves the server.</summary>
public sealed record UserView(string Name, string Role, DateTimeOffset CreatedAt, string CreatedBy);

/// <summary>The body of <c>POST /api/users</c>; without a password the server makes one and answers it once.</summary>
public sealed record AddUserRequest(string Name, string Role, string? Password);

/// <summary>The answer to <c>POST /api/users</c>: the generated password only when the server made one.</summary>
public sealed record AddedUserView(UserView User, string? GeneratedPassword);
