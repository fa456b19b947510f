using Lifeboat.Server.Contracts.Notifications;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Server.Notifications;

/// <summary>
/// The server's <see cref="INotificationSink"/>: every event goes to the server's log at once and into a bounded queue
/// that <see cref="NotificationDispatcher"/> drains. When the queue is full (a flood of failures while channels are
/// slow) the oldest event waiting is dropped, and said so in the log.
/// </summary>
public sealed partial class NotificationQueue(ServerLogNotifications log, ILogger<NotificationQueue> logger) : INotificationSink
{
    public const int Capacity = 1000;

    private readonly Channel<NotificationEvent> _queue = Channel.CreateBounded<NotificationEvent>(
        new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
        dropped => Dropped(logger, dropped.Kind, dropped.Title));

    internal ChannelReader<NotificationEvent> Reader => _queue.Reader;

    public void Publish(NotificationEvent notification)
    {
        log.Publish(notification);
        _queue.Writer.TryWrite(notification);
    }

    [LoggerMessage(20, LogLevel.Warning, "Notification {Kind} dropped, not delivered to any channel: {Title} (the queue of events was full)")]
    private static partial void Dropped(ILogger logger, NotificationKind kind, string title);
}
