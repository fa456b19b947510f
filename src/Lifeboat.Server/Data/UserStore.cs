using Microsoft.Data.Sqlite;

namespace Lifeboat.Server.Data;

/// <summary>The people who sign in to the console: name, role, PBKDF2 password hash, and how often the password changed.</summary>
public sealed class UserStore(ServerDatabase database)
{
    public bool IsEmpty() => database.Read(connection => Convert.ToInt64(ServerDatabase.Scalar(connection, "SELECT COUNT(*) FROM users"), System.Globalization.CultureInfo.InvariantCulture) == 0);

    /// <returns>False when a user of that name exists already.</returns>
    public bool Add(StoredUser user) => database.Write(connection =>
    {
        var added = ServerDatabase.Execute(connection,
            "INSERT INTO users (name, role, password_hash, created_at, created_by) VALUES ($name, $role, $hash, $at, $by) ON CONFLICT(name) DO NOTHING",
            ("$name", user.Name), ("$role", user.Role), ("$hash", user.PasswordHash), ("$at", ServerDatabase.FormatTime(user.CreatedAt)), ("$by", user.CreatedBy)) > 0;
        if (added)
            ServerDatabase.Execute(connection, "DELETE FROM password_changes WHERE user = $name", ("$name", user.Name));
        return added;
    });

    /// <summary>Removes the user and ends their browser sessions.</summary>
    public bool Remove(string name) => database.Write(connection =>
    {
        ServerDatabase.Execute(connection, "DELETE FROM password_changes WHERE user = $name", ("$name", name));
        BrowserSessionStore.RemoveAllOf(connection, name, keptSessionId: null);
        return ServerDatabase.Execute(connection, "DELETE FROM users WHERE name = $name", ("$name", name)) > 0;
    });

    /// <summary>
    /// Sets a new password hash and starts a new password generation: browser sessions of the user signed in before
    /// end, except <paramref name="keptSession"/> (the one that made the change, or null for none).
    /// </summary>
    /// <returns>False when there is no such user.</returns>
    public bool SetPassword(string name, string passwordHash, string? keptSession, DateTimeOffset at) => database.Write(connection =>
    {
        if (ServerDatabase.Execute(connection, "UPDATE users SET password_hash = $hash WHERE name = $name", ("$name", name), ("$hash", passwordHash)) == 0)
            return false;
        ServerDatabase.Execute(connection,
            """
            INSERT INTO password_changes (user, generation, kept_session, changed_at) VALUES ($name, 1, $kept, $at)
            ON CONFLICT(user) DO UPDATE SET generation = generation + 1, kept_session = excluded.kept_session, changed_at = excluded.changed_at
            """,
            ("$name", name), ("$kept", keptSession), ("$at", ServerDatabase.FormatTime(at)));
        BrowserSessionStore.RemoveAllOf(connection, name, keptSession);
        return true;
    });

    public int CountWithRole(string role) => database.Read(connection =>
        Convert.ToInt32(ServerDatabase.Scalar(connection, "SELECT COUNT(*) FROM users WHERE role = $role", ("$role", role)), System.Globalization.CultureInfo.InvariantCulture));

    public StoredUser? Get(string name) => database.Read(connection =>
    {
        using var command = ServerDatabase.Command(connection, Select + " WHERE u.name = $name", ("$name", name));
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadUser(reader) : null;
    });

    public IReadOnlyList<StoredUser> List() => database.Read(connection =>
    {
        using var command = ServerDatabase.Command(connection, Select + " ORDER BY u.name");
        using var reader = command.ExecuteReader();
        var users = new List<StoredUser>();
        while (reader.Read())
            users.Add(ReadUser(reader));
        return users;
    });

    private const string Select =
        "SELECT u.name, u.role, u.password_hash, u.created_at, u.created_by, p.generation, p.kept_session FROM users u LEFT JOIN password_changes p ON p.user = u.name";

    private static StoredUser ReadUser(SqliteDataReader reader) =>
        new(reader.GetString(0), reader.GetString(1), reader.GetString(2), ServerDatabase.ParseTime(reader.GetString(3)), reader.GetString(4),
            reader.IsDBNull(5) ? 0 : reader.GetInt64(5), reader.IsDBNull(6) ? null : reader.GetString(6));
}
