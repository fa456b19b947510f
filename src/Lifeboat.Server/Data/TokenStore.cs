using Microsoft.Data.Sqlite;

namespace Lifeboat.Server.Data;

/// <summary>API tokens, found by the SHA-256 of their secret; revoked ones stay listed with the time they were revoked.</summary>
public sealed class TokenStore(ServerDatabase database)
{
    /// <returns>The new token's id, or null when a live token of that name exists already (a revoked one's name may be taken again).</returns>
    public long? Add(string name, string sha256, string role, string createdBy, DateTimeOffset at) => database.Write(connection =>
    {
        if (ServerDatabase.Scalar(connection, "SELECT 1 FROM tokens WHERE name = $name AND revoked_at IS NULL", ("$name", name)) is not null)
            return (long?)null;
        ServerDatabase.Execute(connection,
            "INSERT INTO tokens (name, sha256, role, created_by, created_at) VALUES ($name, $hash, $role, $by, $at)",
            ("$name", name), ("$hash", sha256), ("$role", role), ("$by", createdBy), ("$at", ServerDatabase.FormatTime(at)));
        return (long)ServerDatabase.Scalar(connection, "SELECT last_insert_rowid()")!;
    });

    /// <summary>The live (not revoked) token whose secret hashes to <paramref name="sha256"/>.</summary>
    public StoredToken? FindLive(string sha256) => database.Read(connection =>
    {
        using var command = ServerDatabase.Command(connection, Select + " WHERE sha256 = $hash AND revoked_at IS NULL", ("$hash", sha256));
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadToken(reader) : null;
    });

    public StoredToken? Get(long id) => Find(" WHERE id = $key", id);

    /// <summary>The live token of that name.</summary>
    public StoredToken? Get(string name) => Find(" WHERE name = $key AND revoked_at IS NULL", name);

    /// <returns>False when the token was revoked already.</returns>
    public bool Revoke(long id, DateTimeOffset at) => database.Write(connection =>
        ServerDatabase.Execute(connection, "UPDATE tokens SET revoked_at = $at WHERE id = $id AND revoked_at IS NULL",
            ("$id", id), ("$at", ServerDatabase.FormatTime(at))) > 0);

    public void MarkUsed(long id, DateTimeOffset at) => database.Write(connection =>
        ServerDatabase.Execute(connection, "UPDATE tokens SET last_used_at = $at WHERE id = $id", ("$id", id), ("$at", ServerDatabase.FormatTime(at))));

    /// <summary>Revokes every live token the user created (when the user is removed).</summary>
    public int RevokeCreatedBy(string user, DateTimeOffset at) => database.Write(connection =>
        ServerDatabase.Execute(connection, "UPDATE tokens SET revoked_at = $at WHERE created_by = $by AND revoked_at IS NULL",
            ("$by", user), ("$at", ServerDatabase.FormatTime(at))));

    public IReadOnlyList<StoredToken> List() => database.Read(connection =>
    {
        using var command = ServerDatabase.Command(connection, Select + " ORDER BY id");
        using var reader = command.ExecuteReader();
        var tokens = new List<StoredToken>();
        while (reader.Read())
            tokens.Add(ReadToken(reader));
        return tokens;
    });

    private const string Select = "SELECT id, name, role, created_by, created_at, last_used_at, revoked_at FROM tokens";

    private StoredToken? Find(string where, object key) => database.Read(connection =>
    {
        using var command = ServerDatabase.Command(connection, Select + where, ("$key", key));
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadToken(reader) : null;
    });

    private static StoredToken ReadToken(SqliteDataReader reader) => new(
        reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), ServerDatabase.ParseTime(reader.GetString(4)),
        reader.IsDBNull(5) ? null : ServerDatabase.ParseTime(reader.GetString(5)),
        reader.IsDBNull(6) ? null : ServerDatabase.ParseTime(reader.GetString(6)));
}
