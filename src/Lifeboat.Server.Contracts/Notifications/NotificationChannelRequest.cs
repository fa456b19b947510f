namespace Lifeboat.Server.Contracts.Notifications;

/// <summary>
/// The body of <c>POST /api/notifications/channels</c> and <c>PUT …/channels/{name}</c>: where events go and which.
/// Exactly one of <paramref name="Email"/> and <paramref name="Webhook"/>, the one <paramref name="Kind"/> names.
/// </summary>
/// <param name="Kind"><see cref="NotificationChannelKinds.Email"/> or <see cref="NotificationChannelKinds.Webhook"/>.</param>
/// <param name="Events">The kinds of events the channel wants (<see cref="NotificationKinds.All"/>); a test reaches every channel.</param>
public sealed record NotificationChannelRequest(
    string Name,
    string Kind,
    List<NotificationKind> Events,
    bool Enabled = true,
    EmailChannelSettings? Email = null,
    WebhookChannelSettings? Webhook = null);

public static class NotificationChannelKinds
{
    public const string Email = "email";
    public const string Webhook = "webhook";
}
