namespace Lifeboat.Server.Contracts.Notifications;

/// <summary>Where a channel's webhook posts its JSON and the secret its HMAC-SHA256 signature is made with.</summary>
/// <param name="Secret">Write-only: given to set it, null to keep the one set. A channel's view says <c>"set"</c> instead of it.</param>
public sealed record WebhookChannelSettings(string Url, string? Secret = null);
