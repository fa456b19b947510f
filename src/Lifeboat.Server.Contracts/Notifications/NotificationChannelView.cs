namespace Lifeboat.Server.Contracts.Notifications;

/// <summary>
/// A channel as <c>GET /api/notifications/channels</c> shows it: its secrets (SMTP password, webhook secret) are never
/// answered, only <c>"set"</c> when there is one.
/// </summary>
public sealed record NotificationChannelView(
    string Name,
    string Kind,
    List<NotificationKind> Events,
    bool Enabled,
    EmailChannelSettings? Email,
    WebhookChannelSettings? Webhook,
    DateTimeOffset CreatedAt)
{
    /// <summary>What a view says instead of a secret.</summary>
    public const string SecretSet = "set";

    /// <summary>Where it sends, in a few words: "mail to a@x, b@y via smtp.x:587" or the webhook's URL.</summary>
    public string Target => Email is { } email
        ? $"mail to {string.Join(", ", email.To)} via {email.Host}:{email.Port}"
        : Webhook?.Url ?? "";
}
