namespace Lifeboat.Server.Contracts.Notifications;

/// <summary>
/// The body of <c>POST /api/notifications/channels</c> and <c>PUT …/channels/{name}</c>: where events go and which.
/// Exactly one of <paramref name="Email"/> and <paramref name="Webhook"/>, the one <paramref name="Kind"/> names.
/// </summary>
/// <param name="Kind"><see cref="NotificationChannelKinds.Email"/> or <see cref="NotificationChannelKinds.Webhook"/>.</param>
/// <param name="Events">The kinds of events the channel wants (<see cref="NotificationEventKinds.All"/>); a test reaches every channel.</param>
public sealed record NotificationChannelRequest(
    string Name,
    string Kind,
    List<string> Events,
    bool Enabled = true,
    EmailChannelSettings? Email = null,
    WebhookChannelSettings? Webhook = null);

public static class NotificationChannelKinds
{
    public const string Email = "email";
    public const string Webhook = "webhook";
}

/// <summary>The events a channel can ask for, as <c>NotificationKind</c> names them.</summary>
public static class NotificationEventKinds
{
    public const string JobFailed = "JobFailed";
    public const string VerificationFailed = "VerificationFailed";
    public const string VmOverdue = "VmOverdue";
    public const string RepositoryNearlyFull = "RepositoryNearlyFull";
    public const string Test = "Test";

    public static IReadOnlyList<string> All { get; } = [JobFailed, VerificationFailed, VmOverdue, RepositoryNearlyFull];
}
