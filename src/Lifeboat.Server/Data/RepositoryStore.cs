using System.Globalization;

namespace Lifeboat.Server.Data;

/// <summary>The repositories registered with the server; the server's own one is the default.</summary>
public sealed class RepositoryStore(ServerDatabase database)
{
    /// <returns>False when it was already registered.</returns>
    public bool Add(string path, bool isDefault) => database.Write(connection =>
        ServerDatabase.Execute(connection,
            "INSERT INTO repositories (path, is_default, added_at) VALUES ($path, $default, $at) ON CONFLICT(path) DO NOTHING",
            ("$path", path), ("$default", isDefault ? 1 : 0), ("$at", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture))) > 0);

    /// <returns>False when it was not registered.</returns>
    public bool Remove(string path) => database.Write(connection =>
        ServerDatabase.Execute(connection, "DELETE FROM repositories WHERE path = $path", ("$path", path)) > 0);

    /// <summary>The default repository first, then in the order they were added.</summary>
    public IReadOnlyList<RegisteredRepository> List() => database.Read(connection =>
    {
        using var command = ServerDatabase.Command(connection,
            "SELECT path, is_default, added_at FROM repositories ORDER BY is_default DESC, added_at, path");
        using var reader = command.ExecuteReader();
        var repositories = new List<RegisteredRepository>();
        while (reader.Read())
        {
            repositories.Add(new RegisteredRepository(reader.GetString(0), reader.GetInt32(1) != 0,
                DateTimeOffset.Parse(reader.GetString(2), CultureInfo.InvariantCulture)));
        }

        return repositories;
    });
}
