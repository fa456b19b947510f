namespace Lifeboat.Server.Notifications.Smtp;

/// <summary>One plain-text email: addresses are bare addr-specs (<c>ops@example.com</c>), checked before they get here.</summary>
public sealed record SmtpMail(string From, IReadOnlyList<string> To, string Subject, string Body, DateTimeOffset Date);
