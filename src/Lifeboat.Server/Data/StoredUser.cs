namespace Lifeboat.Server.Data;

/// <summary>A row of <c>users</c>: the password only as its PBKDF2 hash (see <see cref="Security.PasswordHasher"/>).</summary>
public sealed record StoredUser(string Name, string Role, string PasswordHash, DateTimeOffset CreatedAt, string CreatedBy);
