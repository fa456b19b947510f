namespace Lifeboat.Server.Data;

/// <summary>A notification channel's row: its settings as JSON without the secret, and the secret protected (see NotificationChannels).</summary>
public sealed record StoredNotificationChannel(
    string Name,
    string Kind,
    IReadOnlyList<string> Events,
    bool Enabled,
    string Settings,
    string? ProtectedSecret,
    DateTimeOffset CreatedAt);
