using System.Collections.Concurrent;
using System.Security.Claims;
using Lifeboat.Server.Data;

namespace Lifeboat.Server.Security;

/// <summary>
/// Turns a bearer secret into a principal: one indexed SQLite read per call, so a revoked token is refused on the very
/// next call. The last-used time is written at most once a minute per token, in the background: a synced write per
/// REST call would cost more than the call.
/// </summary>
public sealed class TokenAuthenticator(TokenStore tokens, TimeProvider time)
{
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<long, DateTimeOffset> _lastWritten = new();

    /// <returns>Null for a secret that is malformed, unknown or revoked.</returns>
    public ClaimsPrincipal? Authenticate(ReadOnlySpan<char> secret)
    {
        if (!ApiTokenSecret.LooksLikeOne(secret))
            return null;
        var token = tokens.FindLive(ApiTokenSecret.Hash(secret));
        if (token is null)
            return null;
        var now = time.GetUtcNow();
        if (!_lastWritten.TryGetValue(token.Id, out var written) || now - written >= LastUsedResolution)
        {
            _lastWritten[token.Id] = now;
            // Off the request path: the write waits for the disk (full sync), the call should not.
            _ = Task.Run(() => MarkUsed(token.Id, now));
        }

        return LifeboatClaims.Principal(TokenPrincipalName(token.Name), token.Role, "token", LifeboatAuthentication.TokenScheme, token.Id);
    }

    private void MarkUsed(long id, DateTimeOffset at)
    {
        try
        {
            tokens.MarkUsed(id, at);
        }
        catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or ObjectDisposedException or InvalidOperationException)
        {
            // A last-used time is a hint; the next minute's call writes it again.
            _lastWritten.TryRemove(id, out _);
        }
    }

    public static string TokenPrincipalName(string tokenName) => "token:" + tokenName;
}
