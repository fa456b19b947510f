using System.Globalization;
using System.Security.Cryptography;
using Lifeboat.Server.Sessions;
using Microsoft.AspNetCore.Http;

namespace Lifeboat.Server.Api;

/// <summary>
/// Conditional GETs of a session that wait (RFC 9110 If-None-Match, RFC 7240 "Prefer: wait=N"): a client that sends
/// the ETag it holds gets the session as soon as it changes, or 304 Not Modified after N seconds, so that following
/// a boot costs one request instead of one every quarter second.
/// </summary>
internal static class SessionChangeWait
{
    public const int MaxWaitSeconds = 60;
    public const string PreferHeader = "Prefer";

    // A copy's progress moves without a change being raised; a waiting request looks at it this often.
    private static readonly TimeSpan RecheckInterval = TimeSpan.FromSeconds(1);

    // A tag from before a restart never matches: the versions start again from 0.
    private static readonly string Instance = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

    public static string Tag(SessionSnapshot snapshot) => string.Create(CultureInfo.InvariantCulture,
        $"\"{Instance}.{(snapshot.Version is { } version ? version : -1)}.{snapshot.Progress?.DoneBytes ?? 0}.{(snapshot.VmRunning ? 1 : 0)}\"");

    /// <summary>The session once it differs from the client's copy, or null when it did not change within the wait.</summary>
    public static async Task<SessionSnapshot?> ChangedAsync(
        SessionManager sessions, SessionSnapshot snapshot, HttpRequest request, TimeProvider time, CancellationToken cancellationToken)
    {
        var tag = Tag(snapshot);
        if (!Matches(request.Headers.IfNoneMatch, tag))
            return snapshot;
        var deadline = time.GetUtcNow() + RequestedWait(request.Headers[PreferHeader]);
        while (!cancellationToken.IsCancellationRequested && snapshot.Version is { } version)
        {
            var left = deadline - time.GetUtcNow();
            if (left <= TimeSpan.Zero || !await sessions.WaitForChangeAsync(snapshot.Session.Id, version, left < RecheckInterval ? left : RecheckInterval, cancellationToken).ConfigureAwait(false))
                break;
            snapshot = sessions.Get(snapshot.Session.Id) ?? snapshot;
            if (Tag(snapshot) != tag)
                return snapshot;
        }

        return null;
    }

    /// <summary>The wait a "Prefer: wait=N" asks for, at most <see cref="MaxWaitSeconds"/>; none without one.</summary>
    public static TimeSpan RequestedWait(Microsoft.Extensions.Primitives.StringValues prefer)
    {
        foreach (var header in prefer)
        {
            foreach (var preference in (header ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var parts = preference.Split('=', 2, StringSplitOptions.TrimEntries);
                if (parts.Length == 2 && parts[0].Equals("wait", StringComparison.OrdinalIgnoreCase)
                    && int.TryParse(parts[1].Split(';')[0].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
                    return TimeSpan.FromSeconds(Math.Min(seconds, MaxWaitSeconds));
            }
        }

        return TimeSpan.Zero;
    }

    private static bool Matches(Microsoft.Extensions.Primitives.StringValues ifNoneMatch, string tag)
    {
        foreach (var header in ifNoneMatch)
        {
            foreach (var candidate in (header ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (candidate == "*" || candidate == tag || candidate == "W/" + tag)
                    return true;
            }
        }

        return false;
    }
}
