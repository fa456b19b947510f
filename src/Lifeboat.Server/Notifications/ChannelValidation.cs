using System.Text.RegularExpressions;
using Lifeboat.Server.Contracts.Notifications;

namespace Lifeboat.Server.Notifications;

/// <summary>Checks a channel's settings and says every problem at once, each beside its field.</summary>
public static partial class ChannelValidation
{
    public const int MaxRecipients = 50;
    private const int MaxText = 500;

    /// <param name="hasSecret">The channel already keeps a password or secret, so the request may leave it out.</param>
    public static IReadOnlyList<FieldProblem> Check(NotificationChannelRequest request, bool hasSecret)
    {
        var problems = new List<FieldProblem>();
        void Refuse(string field, string message) => problems.Add(new FieldProblem(field, message));

        if (string.IsNullOrEmpty(request.Name) || !NamePattern().IsMatch(request.Name))
            Refuse(ChannelField.Name, "The channel's name must be a letter, then up to 63 letters, digits, '.', '_' or '-'.");
        var unknown = (request.Events ?? []).Where(e => !NotificationKinds.All.Contains(e)).ToList();
        if (request.Events is null || request.Events.Count == 0)
            Refuse(ChannelField.Events, "Choose at least one kind of event for the channel.");
        else if (unknown.Count > 0)
            Refuse(ChannelField.Events, $"The events {string.Join(", ", unknown)} are not known; choose among {string.Join(", ", NotificationKinds.All)}.");

        switch (request.Kind)
        {
            case NotificationChannelKinds.Email when request.Email is { } email:
                CheckEmail(email, hasSecret, Refuse);
                break;
            case NotificationChannelKinds.Webhook when request.Webhook is { } webhook:
                CheckWebhook(webhook, hasSecret, Refuse);
                break;
            case NotificationChannelKinds.Email or NotificationChannelKinds.Webhook:
                Refuse(ChannelField.Kind, $"A channel of kind {request.Kind} needs its {request.Kind} settings.");
                break;
            default:
                Refuse(ChannelField.Kind, $"The channel's kind must be {NotificationChannelKinds.Email} or {NotificationChannelKinds.Webhook}.");
                break;
        }

        return problems;
    }

    private static void CheckEmail(EmailChannelSettings email, bool hasSecret, Action<string, string> refuse)
    {
        if (string.IsNullOrWhiteSpace(email.Host) || email.Host.Length > 253 || !HostPattern().IsMatch(email.Host))
            refuse(ChannelField.Host, "The SMTP relay's host must be a host name or an IP address.");
        if (email.Port is < 1 or > 65535)
            refuse(ChannelField.Port, "The SMTP relay's port must be between 1 and 65535 (587 for STARTTLS, 465 for TLS).");
        var security = SmtpSecurityModes.All.Contains(email.Security ?? "", StringComparer.Ordinal);
        if (!security)
            refuse(ChannelField.Security, $"The connection's security must be one of {string.Join(", ", SmtpSecurityModes.All)}.");
        if (!IsAddress(email.From))
            refuse(ChannelField.From, "The sender must be one email address, such as lifeboat@example.com.");
        var to = email.To ?? [];
        if (to.Count == 0 || to.Count > MaxRecipients || to.Any(a => !IsAddress(a)))
            refuse(ChannelField.To, $"The recipients must be 1 to {MaxRecipients} email addresses, such as ops@example.com.");
        var user = !string.IsNullOrEmpty(email.User);
        if (user && (email.User!.Length > MaxText || email.User.Any(char.IsControl)))
            refuse(ChannelField.User, "The SMTP user must be one line of text.");
        if (user && email.Password is null && !hasSecret)
            refuse(ChannelField.Password, "Give the SMTP user's password, or leave the user empty.");
        if (!user && !string.IsNullOrEmpty(email.Password))
            refuse(ChannelField.User, "Give the SMTP user the password belongs to.");
        if (email.Password is { Length: > MaxText })
            refuse(ChannelField.Password, $"The SMTP password may be at most {MaxText} characters.");
        if (user && security && email.Security == SmtpSecurityModes.None)
            refuse(ChannelField.Security, "A password is sent only over TLS: choose starttls or tls security, or leave the user empty.");
        if (email.TrustedFingerprint is { Length: > 0 } fingerprint && fingerprint.Count(char.IsAsciiHexDigit) != 64)
            refuse(ChannelField.TrustedFingerprint, "The relay's fingerprint must be a SHA-256 fingerprint: 64 hex digits (colons allowed).");
        if (email.CaFile is { Length: > 0 } caFile && (!Path.IsPathFullyQualified(caFile) || !File.Exists(caFile)))
            refuse(ChannelField.CaFile, $"The CA file must be a PEM file on the server's machine, by its full path; {caFile} is not one.");
    }

    private static void CheckWebhook(WebhookChannelSettings webhook, bool hasSecret, Action<string, string> refuse)
    {
        if (!Uri.TryCreate(webhook.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https") || webhook.Url.Length > 2000
            || !string.IsNullOrEmpty(url.UserInfo))
            refuse(ChannelField.Url, "The webhook's URL must be an http:// or https:// address, without a user or password in it.");
        if (webhook.Secret is null && !hasSecret)
            refuse(ChannelField.Secret, "Give the webhook a shared secret: the receiver checks each request's signature with it.");
        else if (webhook.Secret is { } secret && (secret.Length is < 16 or > MaxText))
            refuse(ChannelField.Secret, $"The webhook's secret must be 16 to {MaxText} characters, so its signatures cannot be guessed.");
    }

    private static bool IsAddress(string? address) => address is { Length: > 2 and <= 254 } && AddressPattern().IsMatch(address);

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^[A-Za-z0-9.:\[\]-]+$")]
    private static partial Regex HostPattern();

    /// <summary>A bare addr-spec without quoting: nothing that could end a header or an SMTP command (CR, LF, &lt;, &gt;, spaces).</summary>
    [GeneratedRegex(@"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$")]
    private static partial Regex AddressPattern();
}
