using Lifeboat.Server.Contracts.Notifications;
using Lifeboat.Server.Data;
using Lifeboat.Server.Hosting;
using Lifeboat.Server.Notifications;
using Lifeboat.Server.Tests.Support;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Lifeboat.Server.Tests.Notifications;

/// <summary>
/// The dispatcher with a real database and a webhook receiver on loopback: an event reaches the enabled channels that
/// want its kind only; a failing channel is tried again after each backoff (the clock moved by the test) and then
/// recorded failed, every attempt listed; a channel's problems are said all at once.
/// </summary>
public sealed class NotificationDeliveryTests : IDisposable
{
    private const string Secret = "the receiver's shared secret";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private readonly TestFolder _folder = new();
    private readonly ServerDatabase _database;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
    private readonly NotificationDeliveryStore _deliveries;
    private readonly NotificationChannels _channels;

    public NotificationDeliveryTests()
    {
        _database = ServerDatabase.Open(_folder.Combine("lifeboat.db"));
        _deliveries = new NotificationDeliveryStore(_database);
        var protection = DataProtectionProvider.Create(new DirectoryInfo(_folder.Combine("keys")));
        _channels = new NotificationChannels(new NotificationChannelStore(_database), protection, _time);
    }

    public void Dispose()
    {
        _database.Dispose();
        _folder.Dispose();
    }

    private static NotificationChannelRequest Hook(string name, Uri url, params NotificationKind[] events) =>
        new(name, NotificationChannelKinds.Webhook, [.. events], Webhook: new WebhookChannelSettings(url.AbsoluteUri, Secret));

    [Fact]
    public async Task An_event_reaches_only_the_channels_that_want_it_and_a_failing_one_is_retried_then_recorded_failed()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        _channels.Add(Hook("wants-jobs", receiver.Url("/hook"), NotificationKind.JobFailed));
        _channels.Add(Hook("wants-full", receiver.Url("/full"), NotificationKind.RepositoryNearlyFull));
        _channels.Add(Hook("broken", receiver.Url("/broken"), NotificationKind.JobFailed));
        _channels.Add(Hook("off", receiver.Url("/off"), NotificationKind.JobFailed) with { Enabled = false });

        using var webhooks = new WebhookSender();
        var delivery = new NotificationDelivery(_deliveries, webhooks, new ConsoleLinks(new ServerOptions { DataDirectory = _folder.Path }), _time,
            NullLogger<NotificationDelivery>.Instance);
        var queue = new NotificationQueue(new ServerLogNotifications(NullLogger<ServerLogNotifications>.Instance), NullLogger<NotificationQueue>.Instance);
        using var dispatcher = new NotificationDispatcher(queue, _channels, delivery, NullLogger<NotificationDispatcher>.Instance);
        await dispatcher.StartAsync(CancellationToken.None);
        queue.Publish(new NotificationEvent(NotificationKind.JobFailed, "nightly", "Job nightly failed", "The disk is missing.", _time.GetUtcNow(), "jobs/nightly"));

        var paths = new[] { (await receiver.NextAsync(Wait)).Path, (await receiver.NextAsync(Wait)).Path }.Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["/broken", "/hook"], paths);
        foreach (var backoff in NotificationDelivery.Backoff)
        {
            // The retry waits on the test's clock: moved by the backoff until the next attempt arrives (the wait may start just after a move).
            ReceivedWebhook? next = null;
            var deadline = DateTime.UtcNow + Wait;
            while (!receiver.TryNext(out next) && DateTime.UtcNow < deadline)
            {
                _time.Advance(backoff);
                await Task.Delay(100);
            }

            Assert.Equal("/broken", next?.Path);
        }

        await Lifeboat.Testing.Waiting.Wait.UntilAsync(() => _deliveries.List(100).Any(d => d.Outcome == NotificationDeliveryOutcomes.Failed), "a delivery to fail");
        await dispatcher.StopAsync(CancellationToken.None);
        Assert.False(receiver.TryNext(out _));

        var broken = _deliveries.List(100).Where(d => d.Channel == "broken").OrderBy(d => d.Id).ToList();
        Assert.Equal([1, 2, 3, 4], broken.Select(d => d.Attempt));
        Assert.Equal([NotificationDeliveryOutcomes.Retrying, NotificationDeliveryOutcomes.Retrying, NotificationDeliveryOutcomes.Retrying, NotificationDeliveryOutcomes.Failed],
            broken.Select(d => d.Outcome));
        Assert.Single(broken.Select(d => d.DeliveryId).Distinct());
        Assert.All(broken, d => Assert.Equal($"The webhook {receiver.Url("/broken")} answered 500 Internal Server Error; a 2xx answer means delivered.", d.Error));
        var delivered = Assert.Single(_deliveries.List(100), d => d.Channel == "wants-jobs");
        Assert.Equal((NotificationDeliveryOutcomes.Delivered, 1, NotificationKind.JobFailed, "nightly"), (delivered.Outcome, delivered.Attempt, delivered.Event, delivered.Subject));
    }

    [Fact]
    public void Every_problem_of_a_channel_is_said_at_once_and_a_secret_is_kept_on_update_and_never_shown()
    {
        var refused = Assert.Throws<InvalidChannelException>(() => _channels.Add(new NotificationChannelRequest("ops", NotificationChannelKinds.Email, [],
            Email: new EmailChannelSettings("smtp example", 0, "ssl", "not an address", ["ops@example.com", "x\r\nBcc: evil@example.com"], "user", null))));
        Assert.Equal([ChannelField.Events, ChannelField.Host, ChannelField.Port, ChannelField.Security, ChannelField.From, ChannelField.To, ChannelField.Password],
            refused.Problems.Select(p => p.Field));

        var added = _channels.Add(new NotificationChannelRequest("ops", NotificationChannelKinds.Email, [NotificationKind.VmOverdue],
            Email: new EmailChannelSettings("smtp.example.com", 587, SmtpSecurityModes.StartTls, "lifeboat@example.com", ["ops@example.com"], "lifeboat", "relay password 7")));
        Assert.Equal(NotificationChannelView.SecretSet, added.Email!.Password);
        var updated = _channels.Update("ops", new NotificationChannelRequest("ops", NotificationChannelKinds.Email, [NotificationKind.VmOverdue, NotificationKind.JobFailed],
            Email: added.Email with { Password = null, Port = 2525 }));
        Assert.Equal((2525, NotificationChannelView.SecretSet), (updated.Email!.Port, updated.Email.Password));
        Assert.Equal("relay password 7", Assert.Single(_channels.Wanting(NotificationKind.JobFailed)).Email!.Password);
        Assert.Empty(_channels.Wanting(NotificationKind.RepositoryNearlyFull));
    }
}
