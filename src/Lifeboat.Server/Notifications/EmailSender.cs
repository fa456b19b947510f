using Lifeboat.Server.Contracts.Notifications;
using Lifeboat.Server.Notifications.Smtp;

namespace Lifeboat.Server.Notifications;

/// <summary>An event as an email: "[Lifeboat] TITLE", its text, when, whom it concerns and the console page to act on it.</summary>
public static class EmailSender
{
    public const string SubjectPrefix = "[Lifeboat] ";

    /// <exception cref="NotificationDeliveryException">The relay did not take it; the message says why.</exception>
    /// <param name="now">The message's Date: when it is sent (a retry's is later than the event).</param>
    public static async Task SendAsync(EmailChannelSettings email, NotificationEvent notification, Uri? consoleUrl, TimeZoneInfo zone, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var security = email.Security switch
        {
            SmtpSecurityModes.Tls => SmtpSecurity.Tls,
            SmtpSecurityModes.StartTls => SmtpSecurity.StartTls,
            _ => SmtpSecurity.None,
        };
        var relay = new SmtpRelay(email.Host, email.Port, security, string.IsNullOrEmpty(email.User) ? null : email.User, email.Password,
            email.TrustedFingerprint, email.CaFile);
        var at = TimeZoneInfo.ConvertTime(notification.At, zone);
        try
        {
            await SmtpSubmission.SendAsync(relay, new SmtpMail(email.From, email.To, SubjectPrefix + notification.Title, Body(notification, at, consoleUrl), TimeZoneInfo.ConvertTime(now, zone)),
                cancellationToken).ConfigureAwait(false);
        }
        catch (SmtpException e)
        {
            throw new NotificationDeliveryException(e.Message, e);
        }
    }

    public static string Body(NotificationEvent notification, DateTimeOffset at, Uri? consoleUrl) =>
        $"""
        {notification.Text}

        Event:   {notification.Kind}
        Subject: {notification.Subject}
        At:      {Contracts.ZonedTime.Format(at, seconds: true)}
        {(consoleUrl is null ? "" : $"Console: {consoleUrl.AbsoluteUri}")}
        """.TrimEnd() + "\n\n-- \nLifeboat\n";
}
