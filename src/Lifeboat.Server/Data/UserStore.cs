using Microsoft.Data.Sqlite;

namespace Lifeboat.Server.Data;

/// <summary>The people who sign in to the console: name, role, PBKDF2 password hash.</summary>
public sealed class UserStore(ServerDatabase database)
{
    public bool IsEmpty() => database.Read(connection => Convert.ToInt64(ServerDatabase.Scalar(connection, "SELECT COUNT(*) FROM users"), System.Globalization.CultureInfo.InvariantCulture) == 0);

    /// <returns>False when a user of that name exists already.</returns>
    public bool Add(StoredUser user) => database.Write(connection =>
        ServerDatabase.Execute(connection,
            "INSERT INTO users (name, role, password_hash, created_at, created_by) VALUES ($name, $role, $hash, $at, $by) ON CONFLICT(name) DO NOTHING",
            ("$name", user.Name), ("$role", user.Role), ("$hash", user.PasswordHash), ("$at", ServerDatabase.FormatTime(user.CreatedAt)), ("$by", user.CreatedBy)) > 0);

    public bool Remove(string name) => database.Write(connection =>
        ServerDatabase.Execute(connection, "DELETE FROM users WHERE name = $name", ("$name", name)) > 0);

    public int CountWithRole(string role) => database.Read(connection =>
        Convert.ToInt32(ServerDatabase.Scalar(connection, "SELECT COUNT(*) FROM users WHERE role = $role", ("$role", role)), System.Globalization.CultureInfo.InvariantCulture));

    public StoredUser? Get(string name) => database.Read(connection =>
    {
        using var command = ServerDatabase.Command(connection, Select + " WHERE name = $name", ("$name", name));
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadUser(reader) : null;
    });

    public IReadOnlyList<StoredUser> List() => database.Read(connection =>
    {
        using var command = ServerDatabase.Command(connection, Select + " ORDER BY name");
        using var reader = command.ExecuteReader();
        var users = new List<StoredUser>();
        while (reader.Read())
            users.Add(ReadUser(reader));
        return users;
    });

    private const string Select = "SELECT name, role, password_hash, created_at, created_by FROM users";

    private static StoredUser ReadUser(SqliteDataReader reader) =>
        new(reader.GetString(0), reader.GetString(1), reader.GetString(2), ServerDatabase.ParseTime(reader.GetString(3)), reader.GetString(4));
}
