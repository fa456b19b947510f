using Lifeboat.Server.Contracts.Notifications;
using Lifeboat.Server.Data;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Server.Notifications;

/// <summary>
/// Delivers one event to one channel: each attempt recorded (delivered, retrying, failed, with the error sentence);
/// a failed attempt is tried again after <see cref="Backoff"/>, then the delivery is recorded failed.
/// </summary>
public sealed partial class NotificationDelivery(
    NotificationDeliveryStore deliveries, WebhookSender webhooks, ConsoleLinks links, TimeProvider time, ILogger<NotificationDelivery> logger)
{
    /// <summary>The waits before the second, third and fourth attempts.</summary>
    public static readonly IReadOnlyList<TimeSpan> Backoff = [TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(10)];

    /// <summary>Tries until delivered or out of attempts (<paramref name="retry"/> false: one attempt); the last attempt's record.</summary>
    internal async Task<NotificationDeliveryView> DeliverAsync(ChannelTarget channel, NotificationEvent notification, bool retry, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid().ToString("N");
        var attempts = retry ? Backoff.Count + 1 : 1;
        for (var attempt = 1; ; attempt++)
        {
            string? error = null;
            try
            {
                await SendAsync(channel, notification, id, cancellationToken).ConfigureAwait(false);
            }
            catch (NotificationDeliveryException e)
            {
                error = e.Message;
            }

            var last = error is null || attempt == attempts;
            var outcome = error is null ? NotificationDeliveryOutcomes.Delivered : last ? NotificationDeliveryOutcomes.Failed : NotificationDeliveryOutcomes.Retrying;
            var record = new NotificationDeliveryView(0, time.GetUtcNow(), channel.Name, notification.Kind, notification.Subject, notification.Title,
                outcome, error, attempt, id);
            record = record with { Id = deliveries.Append(record) };
            if (error is null)
                Delivered(logger, notification.Kind, channel.Name, attempt);
            else
                NotDelivered(logger, notification.Kind, channel.Name, attempt, error, outcome);
            if (last)
                return record;
            await Task.Delay(Backoff[attempt - 1], time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task SendAsync(ChannelTarget channel, NotificationEvent notification, string id, CancellationToken cancellationToken)
    {
        if (channel.SecretLost)
            throw new NotificationDeliveryException($"The secret of channel {channel.Name} cannot be decrypted (the data folder's keys changed); set its password or secret again.");
        var url = links.PageUrl(notification.ConsolePath);
        if (channel.Email is { } email)
            await EmailSender.SendAsync(email, notification, url, time.LocalTimeZone, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        else if (channel.Webhook is { } webhook)
            await webhooks.SendAsync(new Uri(webhook.Url), webhook.Secret ?? "", notification with { At = TimeZoneInfo.ConvertTime(notification.At, time.LocalTimeZone) },
                id, url, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(10, LogLevel.Information, "Notification {Kind} delivered to channel {Channel} (attempt {Attempt})")]
    private static partial void Delivered(ILogger logger, NotificationKind kind, string channel, int attempt);

    [LoggerMessage(11, LogLevel.Warning, "Notification {Kind} not delivered to channel {Channel} (attempt {Attempt}, {Outcome}): {Error}")]
    private static partial void NotDelivered(ILogger logger, NotificationKind kind, string channel, int attempt, string error, string outcome);
}
