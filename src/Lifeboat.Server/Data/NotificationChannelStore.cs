using Microsoft.Data.Sqlite;

namespace Lifeboat.Server.Data;

/// <summary>The <c>notification_channels</c> table: where an admin wants to hear of events, one row a channel.</summary>
public sealed class NotificationChannelStore(ServerDatabase database)
{
    /// <returns>False when a channel of that name exists already.</returns>
    public bool Insert(StoredNotificationChannel channel) => database.Write(connection =>
        ServerDatabase.Execute(connection,
            "INSERT INTO notification_channels (name, kind, events, enabled, settings, secret, created_at) " +
            "VALUES ($name, $kind, $events, $enabled, $settings, $secret, $at) ON CONFLICT DO NOTHING",
            Parameters(channel)) > 0);

    /// <returns>False when no channel has that name.</returns>
    public bool Update(StoredNotificationChannel channel) => database.Write(connection =>
        ServerDatabase.Execute(connection,
            "UPDATE notification_channels SET kind = $kind, events = $events, enabled = $enabled, settings = $settings, secret = $secret WHERE name = $name",
            Parameters(channel)) > 0);

    /// <returns>False when no channel has that name.</returns>
    public bool Delete(string name) => database.Write(connection =>
        ServerDatabase.Execute(connection, "DELETE FROM notification_channels WHERE name = $name", ("$name", name)) > 0);

    public StoredNotificationChannel? Get(string name) => Query("WHERE name = $name", ("$name", name)) is [var channel] ? channel : null;

    public IReadOnlyList<StoredNotificationChannel> List() => Query("");

    private IReadOnlyList<StoredNotificationChannel> Query(string where, params (string, object?)[] parameters) => database.Read(connection =>
    {
        using var command = ServerDatabase.Command(connection,
            $"SELECT name, kind, events, enabled, settings, secret, created_at FROM notification_channels {where} ORDER BY name", parameters);
        using var reader = command.ExecuteReader();
        var channels = new List<StoredNotificationChannel>();
        while (reader.Read())
            channels.Add(Read(reader));
        return channels;
    });

    private static StoredNotificationChannel Read(SqliteDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetString(2).Split(',', StringSplitOptions.RemoveEmptyEntries), reader.GetInt64(3) != 0,
        reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5), ServerDatabase.ParseTime(reader.GetString(6)));

    private static (string, object?)[] Parameters(StoredNotificationChannel channel) =>
    [
        ("$name", channel.Name), ("$kind", channel.Kind), ("$events", string.Join(',', channel.Events)), ("$enabled", channel.Enabled ? 1 : 0),
        ("$settings", channel.Settings), ("$secret", channel.ProtectedSecret), ("$at", ServerDatabase.FormatTime(channel.CreatedAt)),
    ];
}
