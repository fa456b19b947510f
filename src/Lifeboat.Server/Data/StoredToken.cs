namespace Lifeboat.Server.Data;

/// <summary>A row of <c>tokens</c>: the secret only as its SHA-256, never in clear.</summary>
public sealed record StoredToken(long Id, string Name, string Role, string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt);
