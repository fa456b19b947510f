using Lifeboat.Server.Contracts.Notifications;

namespace Lifeboat.Server.Notifications;

/// <summary>An admin's Test: a Test event sent to one channel now, once (no retry), enabled or not; its recorded outcome answers.</summary>
public sealed class ChannelTest(NotificationChannels channels, NotificationDelivery delivery, TimeProvider time)
{
    public Task<NotificationDeliveryView> SendAsync(string channel, string who, CancellationToken cancellationToken)
    {
        var target = channels.TargetOf(channel);
        var notification = new NotificationEvent(NotificationKind.Test, channel, $"Test message for channel {channel}",
            $"{who} asked for this test message on the Notifications page or through the API. This channel hears of: " +
            $"{string.Join(", ", channels.Get(channel)?.Events ?? [])}.", time.GetUtcNow(), "notifications");
        return delivery.DeliverAsync(target, notification, retry: false, cancellationToken);
    }
}
