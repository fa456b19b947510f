using Lifeboat.Server.Contracts.Storage;

namespace Lifeboat.Server.Data;

/// <summary>The datastores an admin declared (the server's cache folder is not stored: it is always one).</summary>
public sealed class DatastoreStore(ServerDatabase database)
{
    /// <returns>False when the name or the path is declared already.</returns>
    public bool Add(string name, string path, DateTimeOffset at) => database.Write(connection =>
        ServerDatabase.Execute(connection,
            "INSERT INTO datastores (name, path, added_at) VALUES ($name, $path, $at) ON CONFLICT DO NOTHING",
            ("$name", name), ("$path", path), ("$at", ServerDatabase.FormatTime(at))) > 0);

    /// <returns>False when no datastore has that name.</returns>
    public bool Remove(string name) => database.Write(connection =>
        ServerDatabase.Execute(connection, "DELETE FROM datastores WHERE name = $name", ("$name", name)) > 0);

    public IReadOnlyList<DatastoreView> List() => database.Read(connection =>
    {
        using var command = ServerDatabase.Command(connection, "SELECT name, path, added_at FROM datastores ORDER BY name");
        using var reader = command.ExecuteReader();
        var datastores = new List<DatastoreView>();
        while (reader.Read())
        {
            datastores.Add(new DatastoreView(reader.GetString(0), reader.GetString(1), BuiltIn: false,
                DateTimeOffset.Parse(reader.GetString(2), System.Globalization.CultureInfo.InvariantCulture)));
        }

        return datastores;
    });
}
