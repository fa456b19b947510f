using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Lifeboat.Server.Data;

/// <summary>
/// The <c>browser_sessions</c> table: one row per signed-in browser, found by the SHA-256 of the session id its cookie
/// names (the id itself is not kept). A cookie whose row is gone (signed out, the user removed, the password changed
/// elsewhere) is refused, even though its signature is good.
/// </summary>
public sealed class BrowserSessionStore(ServerDatabase database)
{
    /// <summary>Records a new session and forgets those unused for longer than <paramref name="forgetUnusedFor"/> (their cookies have expired).</summary>
    public void Add(string sessionId, string user, string? address, DateTimeOffset at, TimeSpan forgetUnusedFor) => database.Write(connection =>
    {
        ServerDatabase.Execute(connection, "DELETE FROM browser_sessions WHERE seen_at < $before", ("$before", ServerDatabase.FormatTime(at - forgetUnusedFor)));
        ServerDatabase.Execute(connection,
            "INSERT INTO browser_sessions (key, user, address, signed_in_at, seen_at) VALUES ($key, $user, $address, $at, $at)",
            ("$key", Key(sessionId)), ("$user", user), ("$address", address), ("$at", ServerDatabase.FormatTime(at)));
    });

    /// <returns>The session's user and when it was last seen; null when there is no such session.</returns>
    public (string User, DateTimeOffset SeenAt)? Find(string sessionId) => database.Read(connection =>
    {
        using var command = ServerDatabase.Command(connection, "SELECT user, seen_at FROM browser_sessions WHERE key = $key", ("$key", Key(sessionId)));
        using var reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetString(0), ServerDatabase.ParseTime(reader.GetString(1))) : ((string, DateTimeOffset)?)null;
    });

    public void Seen(string sessionId, DateTimeOffset at) => database.Write(connection =>
        ServerDatabase.Execute(connection, "UPDATE browser_sessions SET seen_at = $at WHERE key = $key", ("$key", Key(sessionId)), ("$at", ServerDatabase.FormatTime(at))));

    /// <returns>False when there was no such session.</returns>
    public bool Remove(string sessionId) => database.Write(connection =>
        ServerDatabase.Execute(connection, "DELETE FROM browser_sessions WHERE key = $key", ("$key", Key(sessionId))) > 0);

    /// <summary>Ends every session of <paramref name="user"/> but <paramref name="keptSessionId"/>, inside the caller's transaction.</summary>
    internal static void RemoveAllOf(SqliteConnection connection, string user, string? keptSessionId) =>
        ServerDatabase.Execute(connection, "DELETE FROM browser_sessions WHERE user = $user AND ($kept IS NULL OR key <> $kept)",
            ("$user", user), ("$kept", keptSessionId is null ? null : Key(keptSessionId)));

    private static string Key(string sessionId) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sessionId)));
}
