using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Lifeboat.Server.Contracts.Jobs;
using Lifeboat.Server.Contracts.Notifications;
using Lifeboat.Server.Contracts.Security;
using Lifeboat.Server.Tests.Support;
using Lifeboat.Server.Tests.WebConsole;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Lifeboat.Server.Tests.Notifications;

/// <summary>
/// The Notifications page in a real browser: an admin adds a webhook channel (every field's problem shown at once
/// first) and an email channel through aiosmtpd with STARTTLS and a password, presses Test on each (the receiver
/// gets a validly signed request, aiosmtpd the email), and a failing Disks job then reaches both as JobFailed, as the
/// page's deliveries show. The secrets are in no answer, log line or database file.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class NotificationsConsoleTests
{
    private const string WebhookSecret = "webhook secret for the test 42";
    private const string SmtpPassword = "smtp password for the test 42";
    private const string PublicUrl = "https://lifeboat.example:8707/";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);
    private static readonly LocatorAssertionsToContainTextOptions Slow = new() { Timeout = 90_000 };

    [Fact]
    public async Task An_admin_adds_a_webhook_and_an_email_channel_tests_both_and_a_failing_job_reaches_both()
    {
        const string test = "notifications";
        using var folder = new TestFolder();
        using var certificate = new TestCertificate();
        await using var smtp = await SmtpSink.StartAsync("starttls", certificate, ("lifeboat", SmtpPassword));
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var server = await ServerProcess.StartAsync(folder.Combine("data"), [.. ServerProcess.OwnPorts(), "--nbd-port", "0", "--public-url", PublicUrl]);
        await using var browser = await ConsoleBrowser.StartAsync(server.Http.BaseAddress!);
        var page = await browser.LogInAsync(server, "ada", LifeboatRoles.Admin);
        await page.ClickAsync("#nav-notifications");
        await ConsoleBrowser.WaitConnectedAsync(page);
        await Expect(page.Locator("#no-channels")).ToBeVisibleAsync();

        // Every problem of the form at once, each beside its field.
        await page.SelectOptionAsync("#channel-kind", NotificationChannelKinds.Webhook);
        await page.FillAsync("#channel-name", "9 hooks");
        await page.FillAsync("#webhook-url", "ftp://hooks.example/x");
        await page.FillAsync("#webhook-secret", "short");
        await page.UncheckAsync("input[data-event='JobFailed']");
        await page.UncheckAsync("input[data-event='VerificationFailed']");
        await page.ClickAsync("#channel-add");
        foreach (var field in new[] { "name", "events", "webhook.url", "webhook.secret" })
            await Expect(page.Locator($"[data-field-error='{field}']")).ToHaveCountAsync(1);
        await Expect(page.Locator("main .error")).ToContainTextAsync("4 fields need a change");
        await ConsoleBrowser.ScreenshotAsync(page, test, "1-all-field-errors");

        await page.FillAsync("#channel-name", "hooks");
        await page.FillAsync("#webhook-url", receiver.Url("/hook").AbsoluteUri);
        await page.FillAsync("#webhook-secret", WebhookSecret);
        await page.CheckAsync("input[data-event='JobFailed']");
        await page.CheckAsync("input[data-event='VerificationFailed']");
        await page.ClickAsync("#channel-add");
        await Expect(page.Locator("#channel-outcome")).ToContainTextAsync("Channel hooks sends JobFailed, VerificationFailed");
        await Expect(page.Locator(".field-error")).ToHaveCountAsync(0);

        await page.FillAsync("#channel-name", "ops-mail");
        await page.SelectOptionAsync("#channel-kind", NotificationChannelKinds.Email);
        await page.FillAsync("#email-host", "127.0.0.1");
        await page.FillAsync("#email-port", smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.SelectOptionAsync("#email-security", SmtpSecurityModes.StartTls);
        await page.FillAsync("#email-from", "lifeboat@example.com");
        await page.FillAsync("#email-to", "ops@example.com, oncall@example.com");
        await page.FillAsync("#email-user", "lifeboat");
        await page.FillAsync("#email-password", SmtpPassword);
        await page.FillAsync("#email-fingerprint", certificate.Fingerprint);
        await page.ClickAsync("#channel-add");
        await Expect(page.Locator("#channel-outcome")).ToContainTextAsync("Channel ops-mail sends");
        await Expect(page.Locator("#notification-channels tbody tr")).ToHaveCountAsync(2);
        await Expect(page.Locator("#notification-channels tr[data-channel='ops-mail']")).ToContainTextAsync($"mail to ops@example.com, oncall@example.com via 127.0.0.1:{smtp.Port} (password set)");

        // Test on each: the outcome beside the button, the request and the email where they were sent.
        await page.ClickAsync("button[data-test='hooks']");
        await Expect(page.Locator("[data-test-outcome='hooks']")).ToContainTextAsync("Delivered a test message to hooks.", Slow);
        var testHook = await receiver.NextAsync(Wait);
        Assert.Equal("Test", testHook.Headers["X-Lifeboat-Event"]);
        Assert.True(await WebhookSignatureCheck.IsValidAsync(testHook, WebhookSecret), "The test webhook's signature is not valid.");
        await page.ClickAsync("button[data-test='ops-mail']");
        await Expect(page.Locator("[data-test-outcome='ops-mail']")).ToContainTextAsync("Delivered a test message to ops-mail.", Slow);
        var testMail = Assert.Single(await smtp.WaitForAsync(1, Wait));
        Assert.True(testMail.Tls);
        Assert.Equal("lifeboat", testMail.Login);
        Assert.Equal(["ops@example.com", "oncall@example.com"], testMail.RcptTos);
        Assert.Equal("[Lifeboat] Test message for channel ops-mail", testMail.Headers["Subject"]);
        Assert.Equal("lifeboat@example.com", testMail.Headers["From"]);
        Assert.Contains("ada asked for this test message", testMail.Body, StringComparison.Ordinal);
        Assert.Contains($"Console: {PublicUrl}notifications", testMail.Body, StringComparison.Ordinal);
        await ConsoleBrowser.ScreenshotAsync(page, test, "2-tested");

        // A Disks job whose disk is gone fails at once: JobFailed reaches both channels.
        var disk = folder.Combine("web.raw");
        await File.WriteAllBytesAsync(disk, new byte[1 << 20]);
        var spec = new JobSpec("nightly-web", "web", new JobSource(JobSourceKind.Disks, DiskPaths: [disk]), "daily 03:00", KeepLast: 2, Retries: 0);
        using (var added = await server.PostAsync("api/jobs", spec, ContractsJsonContext.Default.JobSpec))
            Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        File.Delete(disk);
        using (var run = await server.Http.PostAsync("api/jobs/nightly-web/run", null))
            Assert.True(run.IsSuccessStatusCode, await run.Content.ReadAsStringAsync());

        var failedHook = await receiver.NextAsync(Wait);
        Assert.Equal("JobFailed", failedHook.Headers["X-Lifeboat-Event"]);
        Assert.True(await WebhookSignatureCheck.IsValidAsync(failedHook, WebhookSecret), "The JobFailed webhook's signature is not valid.");
        using (var body = JsonDocument.Parse(failedHook.Body))
        {
            Assert.Equal("nightly-web", body.RootElement.GetProperty("subject").GetString());
            Assert.Equal("Job nightly-web failed", body.RootElement.GetProperty("title").GetString());
            Assert.Contains(disk, body.RootElement.GetProperty("text").GetString(), StringComparison.Ordinal);
            Assert.Equal($"{PublicUrl}jobs/nightly-web", body.RootElement.GetProperty("url").GetString());
        }

        var failedMail = (await smtp.WaitForAsync(2, Wait))[1];
        Assert.Equal("[Lifeboat] Job nightly-web failed", failedMail.Headers["Subject"]);
        Assert.Contains("could not back up VM web", failedMail.Body, StringComparison.Ordinal);
        Assert.Contains($"Console: {PublicUrl}jobs/nightly-web", failedMail.Body, StringComparison.Ordinal);

        foreach (var channel in new[] { "hooks", "ops-mail" })
        {
            await Expect(page.Locator($"#notification-deliveries tr[data-channel='{channel}'][data-event='JobFailed'][data-outcome='delivered']")).ToHaveCountAsync(1, new() { Timeout = 90_000 });
            await Expect(page.Locator($"#notification-deliveries tr[data-channel='{channel}'][data-event='Test'][data-outcome='delivered']")).ToHaveCountAsync(1);
        }

        await ConsoleBrowser.ScreenshotAsync(page, test, "3-deliveries");
        var width = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.True(width <= 1366, $"The Notifications page is {width} px wide at 1366x768: it scrolls sideways.");

        // Disable stops a channel hearing of events; the CLI lists the same.
        await page.ClickAsync("button[data-toggle='hooks']");
        await Expect(page.Locator("#notification-channels tr[data-channel='hooks']")).ToContainTextAsync("disabled");
        var cli = new JobCli(server);
        var listed = cli.RunInColumns(80, "notify", "list").ShouldSucceed().Stdout;
        Assert.Contains("ops-mail", listed, StringComparison.Ordinal);
        var deliveries = cli.RunInColumns(80, "notify", "deliveries").ShouldSucceed().Stdout;
        Assert.Contains("JobFailed", deliveries, StringComparison.Ordinal);
        foreach (var narrow in new[] { listed, deliveries })
            Assert.All(narrow.Split('\n'), line => Assert.True(line.Length <= 80, $"A line of {line.Length} characters:\n{narrow}"));
        Assert.Matches(@"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", deliveries);
        var tested = cli.Run("notify", "test", "ops-mail");
        Assert.True(tested.ExitCode == 0 && tested.Stdout.Contains("Delivered a test message to channel ops-mail", StringComparison.Ordinal), tested.ToString());

        // The secrets: in no REST answer, no log line, no database file.
        var answered = await server.Http.GetStringAsync("api/notifications/channels");
        var channels = await server.Http.GetFromJsonAsync("api/notifications/channels", ContractsJsonContext.Default.ListNotificationChannelView);
        Assert.Equal(NotificationChannelView.SecretSet, channels!.Single(c => c.Name == "hooks").Webhook!.Secret);
        Assert.Equal(NotificationChannelView.SecretSet, channels!.Single(c => c.Name == "ops-mail").Email!.Password);
        var log = server.ReadLog();
        var audit = await server.Http.GetStringAsync("api/audit?limit=200");
        Assert.Contains("notification.test", audit, StringComparison.Ordinal);
        var database = Directory.EnumerateFiles(server.DataDirectory, "lifeboat.db*").Select(File.ReadAllBytes).ToList();
        foreach (var secret in new[] { WebhookSecret, SmtpPassword })
        {
            Assert.DoesNotContain(secret, answered, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, log, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, audit, StringComparison.Ordinal);
            foreach (var bytes in database)
                Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)) < 0, "A database file holds a channel's secret in clear.");
        }

        // A viewer has no link to the page and is refused it.
        var viewer = await browser.LogInAsync(server, "vic", LifeboatRoles.Viewer, await browser.NewContextAsync());
        await Expect(viewer.Locator("#nav-notifications")).ToHaveCountAsync(0);
        await viewer.GotoAsync("notifications");
        await Expect(viewer.Locator("#channel-add-form")).ToHaveCountAsync(0);
        await Expect(viewer.Locator("[data-action]")).ToHaveCountAsync(0);
    }
}
