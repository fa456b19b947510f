using System.Text;
using System.Text.Json;

namespace Lifeboat.Server.Notifications;

/// <summary>
/// A webhook's body and its signature: <c>{kind, subject, title, text, at, url?}</c>, signed as
/// HMAC-SHA256(secret, timestamp + "." + body) in hex (the README shows how a receiver checks it).
/// </summary>
public static class WebhookPayload
{
    /// <param name="consoleUrl">The console page to act on it, when the server knows its public address.</param>
    public static byte[] Body(NotificationEvent notification, Uri? consoleUrl)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("kind", notification.Kind.ToString());
            json.WriteString("subject", notification.Subject);
            json.WriteString("title", notification.Title);
            json.WriteString("text", notification.Text);
            json.WriteString("at", notification.At);
            if (consoleUrl is not null)
                json.WriteString("url", consoleUrl.AbsoluteUri);
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>"sha256=" and the lower-case hex HMAC-SHA256 of "TIMESTAMP.BODY" under the channel's secret.</summary>
    public static string Signature(string secret, long timestamp, byte[] body)
    {
        var signed = Encoding.UTF8.GetBytes(timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".").Concat(body).ToArray();
        return "sha256=" + Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
    }
}
