namespace Lifeboat.Server.Notifications;

/// <summary>Where the server's parts report what an admin should hear of; delivery happens in the background.</summary>
public interface INotificationSink
{
    /// <summary>Queues the event for every channel that wants its kind; never blocks and never throws.</summary>
    void Publish(NotificationEvent notification);
}
