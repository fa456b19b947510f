using Lifeboat.Server.Contracts.Notifications;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Server.Notifications;

/// <summary>The server's log as the one channel every server has: each event is one warning line.</summary>
public sealed partial class ServerLogNotifications(ILogger<ServerLogNotifications> logger) : INotificationSink
{
    public void Publish(NotificationEvent notification) => Published(logger, notification.Kind, notification.Title, notification.Text);

    [LoggerMessage(1, LogLevel.Warning, "Notification {Kind}: {Title}: {Text}")]
    private static partial void Published(ILogger logger, NotificationKind kind, string title, string text);
}
