using Lifeboat.Server.Contracts.Notifications;

namespace Lifeboat.Server.Data;

/// <summary>The <c>notification_deliveries</c> table: every attempt to deliver an event to a channel, the newest <see cref="Kept"/> kept.</summary>
public sealed class NotificationDeliveryStore(ServerDatabase database)
{
    public const int Kept = 1000;

    public long Append(NotificationDeliveryView attempt) => database.Write(connection =>
    {
        ServerDatabase.Execute(connection,
            "INSERT INTO notification_deliveries (at, channel, event, subject, title, outcome, error, attempt, delivery_id) " +
            "VALUES ($at, $channel, $event, $subject, $title, $outcome, $error, $attempt, $delivery)",
            ("$at", ServerDatabase.FormatTime(attempt.At)), ("$channel", attempt.Channel), ("$event", attempt.Event.ToString()), ("$subject", attempt.Subject),
            ("$title", attempt.Title), ("$outcome", attempt.Outcome), ("$error", attempt.Error), ("$attempt", attempt.Attempt), ("$delivery", attempt.DeliveryId));
        var id = (long)ServerDatabase.Scalar(connection, "SELECT last_insert_rowid()")!;
        ServerDatabase.Execute(connection, "DELETE FROM notification_deliveries WHERE id <= $oldest", ("$oldest", id - Kept));
        return id;
    });

    /// <summary>The newest <paramref name="limit"/> attempts, newest first.</summary>
    public IReadOnlyList<NotificationDeliveryView> List(int limit) => database.Read(connection =>
    {
        using var command = ServerDatabase.Command(connection,
            "SELECT id, at, channel, event, subject, title, outcome, error, attempt, delivery_id FROM notification_deliveries ORDER BY id DESC LIMIT $limit",
            ("$limit", limit));
        using var reader = command.ExecuteReader();
        var attempts = new List<NotificationDeliveryView>();
        while (reader.Read())
        {
            attempts.Add(new NotificationDeliveryView(reader.GetInt64(0), ServerDatabase.ParseTime(reader.GetString(1)), reader.GetString(2), Enum.Parse<NotificationKind>(reader.GetString(3)),
                reader.GetString(4), reader.GetString(5), reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7), reader.GetInt32(8), reader.GetString(9)));
        }

        return attempts;
    });
}
