using System.Net.Http.Headers;

namespace Lifeboat.Server.Notifications;

/// <summary>
/// Posts an event to a webhook: JSON with <c>X-Lifeboat-Event</c>, <c>X-Lifeboat-Delivery</c>,
/// <c>X-Lifeboat-Timestamp</c> and <c>X-Lifeboat-Signature</c>; a 2xx answer is delivered; no redirect is followed
/// (the signature was made for this address); 10 s at most.
/// </summary>
public sealed class WebhookSender : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        ConnectTimeout = Timeout,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        UseCookies = false,
    })
    {
        Timeout = Timeout,
    };

    /// <exception cref="NotificationDeliveryException">The webhook did not answer 2xx; the message says what it did.</exception>
    public async Task SendAsync(Uri url, string secret, NotificationEvent notification, string deliveryId, Uri? consoleUrl, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var body = WebhookPayload.Body(notification, consoleUrl);
        var timestamp = now.ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("Lifeboat", typeof(WebhookSender).Assembly.GetName().Version?.ToString(3) ?? "1"));
        request.Headers.Add("X-Lifeboat-Event", notification.Kind.ToString());
        request.Headers.Add("X-Lifeboat-Delivery", deliveryId);
        request.Headers.Add("X-Lifeboat-Timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("X-Lifeboat-Signature", WebhookPayload.Signature(secret, timestamp, body));
        HttpResponseMessage answer;
        try
        {
            answer = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new NotificationDeliveryException($"The webhook {Shown(url)} did not answer within {Timeout.TotalSeconds:0} s.", e);
        }
        catch (HttpRequestException e)
        {
            throw new NotificationDeliveryException($"The webhook {Shown(url)} cannot be reached ({e.Message.TrimEnd('.')}); check its URL.", e);
        }

        using (answer)
        {
            var status = (int)answer.StatusCode;
            if (status is >= 200 and < 300)
                return;
            var redirect = status is >= 300 and < 400 && answer.Headers.Location is { } location ? $" to {location}" : "";
            throw new NotificationDeliveryException(status is >= 300 and < 400
                ? $"The webhook {Shown(url)} redirects{redirect} ({status}); Lifeboat does not follow redirects: set the channel's URL to where it points."
                : $"The webhook {Shown(url)} answered {status} {answer.ReasonPhrase}; a 2xx answer means delivered.");
        }
    }

    public void Dispose() => _http.Dispose();

    /// <summary>The URL without its query, which may carry a token of the receiver's.</summary>
    private static string Shown(Uri url) => url.GetLeftPart(UriPartial.Path);
}
