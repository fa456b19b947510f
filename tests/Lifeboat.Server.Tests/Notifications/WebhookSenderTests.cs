using Lifeboat.Server.Contracts.Notifications;
using System.Text.Json;
using Lifeboat.Server.Notifications;

namespace Lifeboat.Server.Tests.Notifications;

/// <summary>The webhook to a Kestrel receiver on loopback: its JSON, headers and a signature openssl agrees with; redirects and errors are failures.</summary>
public sealed class WebhookSenderTests
{
    private const string Secret = "a shared secret of the receiver";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    private static readonly NotificationEvent Failed = new(NotificationKind.JobFailed, "nightly-web", "Job nightly-web failed",
        "Job nightly-web could not back up VM web: the disk /srv/web.raw is missing.", new DateTimeOffset(2026, 12, 7, 3, 0, 5, TimeSpan.FromHours(-5)), "jobs/nightly-web");

    [Fact]
    public async Task A_delivered_webhook_carries_the_event_its_headers_and_a_valid_signature()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var sender = new WebhookSender();
        var now = DateTimeOffset.UtcNow;
        await sender.SendAsync(receiver.Url("/hook?token=abc"), Secret, Failed, "d41d8cd98f00b204e9800998ecf8427e", new Uri("https://lifeboat.example/jobs/nightly-web"), now, CancellationToken.None);

        var request = await receiver.NextAsync(Wait);
        Assert.Equal("POST", request.Method);
        Assert.StartsWith("application/json", request.Headers["Content-Type"], StringComparison.Ordinal);
        Assert.Equal("JobFailed", request.Headers["X-Lifeboat-Event"]);
        Assert.Equal("d41d8cd98f00b204e9800998ecf8427e", request.Headers["X-Lifeboat-Delivery"]);
        Assert.Equal(now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), request.Headers["X-Lifeboat-Timestamp"]);
        Assert.Matches("^sha256=[0-9a-f]{64}$", request.Headers["X-Lifeboat-Signature"]);
        Assert.True(await WebhookSignatureCheck.IsValidAsync(request, Secret));
        Assert.False(await WebhookSignatureCheck.IsValidAsync(request, Secret + "x"));

        using var body = JsonDocument.Parse(request.Body);
        var root = body.RootElement;
        Assert.Equal("JobFailed", root.GetProperty("kind").GetString());
        Assert.Equal("nightly-web", root.GetProperty("subject").GetString());
        Assert.Equal("Job nightly-web failed", root.GetProperty("title").GetString());
        Assert.Equal(Failed.Text, root.GetProperty("text").GetString());
        Assert.Equal("2026-12-07T03:00:05-05:00", root.GetProperty("at").GetString());
        Assert.Equal("https://lifeboat.example/jobs/nightly-web", root.GetProperty("url").GetString());

        await sender.SendAsync(receiver.Url("/hook"), Secret, Failed, "e1", null, now, CancellationToken.None);
        using var withoutUrl = JsonDocument.Parse((await receiver.NextAsync(Wait)).Body);
        Assert.False(withoutUrl.RootElement.TryGetProperty("url", out _));
    }

    [Fact]
    public async Task A_redirect_is_not_followed_and_an_error_status_is_a_failure_in_one_sentence()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var sender = new WebhookSender();
        var redirect = await Assert.ThrowsAsync<NotificationDeliveryException>(() =>
            sender.SendAsync(receiver.Url("/redirect?token=secret-in-query"), Secret, Failed, "r1", null, DateTimeOffset.UtcNow, CancellationToken.None));
        Assert.Contains("does not follow redirects", redirect.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-in-query", redirect.Message, StringComparison.Ordinal);
        Assert.Equal("/redirect", (await receiver.NextAsync(Wait)).Path);

        var broken = await Assert.ThrowsAsync<NotificationDeliveryException>(() =>
            sender.SendAsync(receiver.Url("/broken"), Secret, Failed, "b1", null, DateTimeOffset.UtcNow, CancellationToken.None));
        Assert.Equal($"The webhook {receiver.Url("/broken")} answered 500 Internal Server Error; a 2xx answer means delivered.", broken.Message);
        // The one request after the redirect is the /broken one: the redirect's target was never asked.
        Assert.Equal("/broken", (await receiver.NextAsync(Wait)).Path);
        Assert.False(receiver.TryNext(out _));

        var closed = await Assert.ThrowsAsync<NotificationDeliveryException>(() =>
            sender.SendAsync(new Uri("http://127.0.0.1:1/hook"), Secret, Failed, "c1", null, DateTimeOffset.UtcNow, CancellationToken.None));
        Assert.StartsWith("The webhook http://127.0.0.1:1/hook cannot be reached", closed.Message, StringComparison.Ordinal);
    }
}
