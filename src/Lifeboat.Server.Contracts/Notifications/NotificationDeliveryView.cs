namespace Lifeboat.Server.Contracts.Notifications;

/// <summary>One attempt to deliver an event to a channel, as <c>GET /api/notifications/deliveries</c> lists it, newest first.</summary>
/// <param name="DeliveryId">The delivery's id, the same for its every attempt (a webhook's <c>X-Lifeboat-Delivery</c>).</param>
/// <param name="Outcome"><see cref="NotificationDeliveryOutcomes"/>.</param>
/// <param name="Error">Why the attempt failed, in one sentence.</param>
public sealed record NotificationDeliveryView(
    long Id,
    DateTimeOffset At,
    string Channel,
    NotificationKind Event,
    string Subject,
    string Title,
    string Outcome,
    string? Error,
    int Attempt,
    string DeliveryId);

public static class NotificationDeliveryOutcomes
{
    public const string Delivered = "delivered";

    /// <summary>This attempt failed and another follows.</summary>
    public const string Retrying = "retrying";

    /// <summary>The last attempt failed: the event is not delivered to this channel.</summary>
    public const string Failed = "failed";
}
