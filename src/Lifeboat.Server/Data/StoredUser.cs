namespace Lifeboat.Server.Data;

/// <summary>A row of <c>users</c>: the password only as its PBKDF2 hash (see <see cref="Security.PasswordHasher"/>).</summary>
/// <param name="PasswordGeneration">How often the password was changed: a browser session signed in under an older one has ended.</param>
/// <param name="KeptSession">The browser session that made the last change, which goes on (see <see cref="Security.SessionValidity"/>).</param>
public sealed record StoredUser(
    string Name, string Role, string PasswordHash, DateTimeOffset CreatedAt, string CreatedBy, long PasswordGeneration = 0, string? KeptSession = null);
