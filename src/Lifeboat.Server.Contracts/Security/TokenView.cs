namespace Lifeboat.Server.Contracts.Security;

/// <summary>An API token as <c>GET /api/tokens</c> shows it; the secret itself is only in <see cref="CreatedTokenView"/>.</summary>
public sealed record TokenView(long Id, string Name, string Role, string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt);

/// <summary>The body of <c>POST /api/tokens</c>.</summary>
public sealed record CreateTokenRequest(string Name, string Role);

/// <summary>The answer to <c>POST /api/tokens</c>: the only time the token's secret is shown.</summary>
public sealed record CreatedTokenView(TokenView Token, string Secret);
