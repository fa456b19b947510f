using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Lifeboat.Server.Contracts.Jobs;
using Lifeboat.Server.Contracts.Security;
using Lifeboat.Server.Sessions;
using Lifeboat.Server.Tests.Support;
using Microsoft.Playwright;

namespace Lifeboat.Server.Tests.WebConsole;

/// <summary>
/// A server in New York's time with enough in it for every page to show something: a Disks job with a run (so a
/// restore point), a job that failed, and an ended session; and one chromium.
/// </summary>
public sealed class ConsoleWalkFixture : IAsyncLifetime
{
    public const string NewYork = "America/New_York";

    private readonly TestFolder _folder = new();

    public ServerProcess Server { get; private set; } = null!;

    public ConsoleBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await ServerProcess.StartInZoneAsync(_folder.Combine("data"), NewYork, [.. ServerProcess.OwnPorts(), "--nbd-port", "0"]);

        var disk = TestDisk.Create(_folder.Combine("web01.raw"), 4, seed: 5);
        var cli = new JobCli(Server);
        cli.Run("job", "add", "nightly", "--vm", "web01", "--disk", disk, "--schedule", "daily 02:00", "--keep-last", "3").ShouldSucceed();
        cli.Run("job", "add", "broken", "--vm", "db01", "--disk", _folder.Combine("missing.raw"), "--schedule", "daily 03:30", "--keep-last", "3", "--retries", "0")
            .ShouldSucceed();
        Assert.Equal(JobRunOutcome.Succeeded, cli.RunJson(ContractsJsonContext.Default.JobRunView, "job", "run", "nightly").Outcome);
        var failed = cli.Run("job", "run", "broken", "--json");
        Assert.Equal(JobRunOutcome.Failed, System.Text.Json.JsonSerializer.Deserialize(failed.Stdout, ContractsJsonContext.Default.JobRunView)!.Outcome);

        // A recovery that does not power the VM on ends quickly (failed or stopped) and gives the walk a session's page.
        var session = await Server.RecoverAsync(new RecoveryRequest { Vm = "web01", PowerOn = false });
        var settled = await Server.WaitAsync(session.Id, s => s.IsFinalState() || s.State == SessionState.Ready, TimeSpan.FromMinutes(3));
        if (!settled.IsFinalState())
        {
            using var stopped = await Server.Http.PostAsync($"api/sessions/{session.Id}/stop", null);
            stopped.EnsureSuccessStatusCode();
            await Server.WaitForEndAsync(session.Id, TimeSpan.FromMinutes(3));
        }

        Browser = await ConsoleBrowser.StartAsync(Server.Http.BaseAddress!);
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        await Server.DisposeAsync();
        _folder.Dispose();
    }
}

/// <summary>
/// The whole console as an admin and as a viewer see it: from the landing page through the nav and every link to a
/// page of this server, each page screenshotted at 1366x768 and checked: nothing scrolls sideways, a viewer sees no
/// action (nothing marked <c>data-action</c>) and an admin does, and every time carries its zone, the server's.
/// </summary>
public sealed partial class ConsoleWalkTests(ConsoleWalkFixture fixture) : IClassFixture<ConsoleWalkFixture>
{
    /// <summary>Enough pages of one kind (two jobs, two sessions, …) to see its layout; a bound on the whole walk.</summary>
    private const int PagesPerKind = 2;
    private const int MaxPages = 40;

    /// <summary>December in New York: what every time on every page says its zone is.</summary>
    private const string Zone = "UTC-05:00";

    private ServerProcess Server => fixture.Server;

    [Fact]
    public async Task Every_page_fits_the_screen_shows_a_viewer_no_action_and_every_time_in_the_servers_zone()
    {
        var admin = await fixture.Browser.LogInAsync(Server, "walk-admin", LifeboatRoles.Admin, await fixture.Browser.NewContextAsync());
        var viewer = await fixture.Browser.LogInAsync(Server, "walk-viewer", LifeboatRoles.Viewer, await fixture.Browser.NewContextAsync());

        var adminPages = await WalkAsync(admin, "admin");
        var viewerPages = await WalkAsync(viewer, "viewer");

        foreach (var path in new[] { "/", "/sessions", "/jobs", "/jobs/nightly", "/jobs/broken", "/vms", "/recover", "/audit", "/users", "/tokens" })
            Assert.Contains(path, adminPages.Keys);
        var session = Assert.Single(adminPages, p => p.Key.StartsWith("/sessions/", StringComparison.Ordinal));
        Assert.Contains("The VM wrote nothing to its serial console", session.Value.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("/users", viewerPages.Keys);
        Assert.True(adminPages["/jobs"].Actions > 0, "The admin sees no action on the jobs page.");
        Assert.True(adminPages["/vms"].Actions > 0, "The admin sees no action on the VMs page.");
        foreach (var (path, seen) in viewerPages)
            Assert.True(seen.Actions == 0, $"The viewer sees {seen.Actions} action(s) on {path}.");

        // A restore point's id is its time in UTC; its Time column says the same instant in the server's zone.
        var newYork = TimeZoneInfo.FindSystemTimeZoneById(ConsoleWalkFixture.NewYork);
        await ConsoleBrowser.OpenAsync(admin, "vms");
        foreach (var row in await admin.Locator("tr[data-restore-point]").AllAsync())
        {
            var id = (await row.GetAttributeAsync("data-restore-point"))!;
            var utc = DateTime.ParseExact(id[..15], "yyyyMMdd-HHmmss", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
            var local = TimeZoneInfo.ConvertTimeFromUtc(utc, newYork).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
            Assert.Contains($"{local} {Zone}", await row.InnerTextAsync(), StringComparison.Ordinal);
        }

        // "daily 02:00" runs at 02:00 in the job's zone; the list, the job's page and the CLI say the same time.
        var nextRun = NextRunAt().Match(adminPages["/jobs/nightly"].Text);
        Assert.True(nextRun.Success, $"The job's page shows no next run at 02:00 {Zone}:\n{adminPages["/jobs/nightly"].Text}");
        Assert.Contains(nextRun.Value, adminPages["/jobs"].Text, StringComparison.Ordinal);
        Assert.Contains(ConsoleWalkFixture.NewYork, adminPages["/jobs/nightly"].Text, StringComparison.Ordinal);
        var environment = new Dictionary<string, string>
        {
            ["LIFEBOAT_SERVER"] = $"127.0.0.1:{Server.Port}",
            [ApiTokenFile.TokenVariable] = Server.Token,
            ["TZ"] = ConsoleWalkFixture.NewYork,
            ["COLUMNS"] = "80",
        };
        var jobs = LifeboatProcess.Run(environment, "jobs").ShouldSucceed().Stdout;
        Assert.True(jobs.Contains(nextRun.Value[..16] + " " + Zone, StringComparison.Ordinal), $"lifeboat jobs does not say {nextRun.Value[..16]} {Zone}:\n{jobs}");
        Assert.All(jobs.Split('\n'), line => Assert.True(line.Length <= 80, $"A line of {line.Length} characters:\n{jobs}"));
        // The schedule with its zone is whole, or (a key column that does not fit) left out and said so.
        Assert.True(jobs.Contains($"daily 02:00 {ConsoleWalkFixture.NewYork}", StringComparison.Ordinal) || Regex.IsMatch(jobs, "Not shown at 80 columns:.*Schedule"), jobs);
    }

    [Fact]
    public async Task The_consoles_forms_show_every_error_at_once_beside_its_field_in_the_pages_words()
    {
        const string test = "console-errors";
        var admin = await fixture.Browser.LogInAsync(Server, "errors-admin", LifeboatRoles.Admin, await fixture.Browser.NewContextAsync());

        // Users: a taken name, then a bad name and a short password at once.
        await ConsoleBrowser.OpenAsync(admin, "users");
        await admin.FillAsync("#user-name", "errors-admin");
        await admin.ClickAsync("#user-add");
        await Assertions.Expect(admin.Locator("[data-field-error='name']")).ToHaveTextAsync("There is a user errors-admin already; pick another name, or remove that user below first.");
        await admin.FillAsync("#user-name", "9lives");
        await admin.FillAsync("#user-password", "short");
        await admin.ClickAsync("#user-add");
        await Assertions.Expect(admin.Locator("[data-field-error='name']")).ToContainTextAsync("'9lives' is not a user name");
        await Assertions.Expect(admin.Locator("[data-field-error='password']")).ToContainTextAsync("The password is too short");
        await ConsoleBrowser.ScreenshotAsync(admin, test, "users");
        await AssertPageWordsAsync(admin, 2);

        // Tokens: a taken name (the second try once the first has been answered: the page then empties the field).
        await ConsoleBrowser.OpenAsync(admin, "tokens");
        await admin.FillAsync("#token-name", "errors-token");
        await admin.ClickAsync("#token-create");
        await Assertions.Expect(admin.Locator("#token-outcome")).ToContainTextAsync("Created token errors-token");
        await admin.FillAsync("#token-name", "errors-token");
        await admin.ClickAsync("#token-create");

        await Assertions.Expect(admin.Locator("[data-field-error='name']")).ToHaveTextAsync("There is a token errors-token already; revoke it below first, or pick another name.");
        await AssertPageWordsAsync(admin, 1);

        // Jobs: a taken name, no source and nothing to keep, at once.
        await ConsoleBrowser.OpenAsync(admin, "jobs");
        await admin.FillAsync("#job-name", "nightly");
        await admin.FillAsync("#job-vm", "web01");
        await admin.FillAsync("#job-keep-last", "0");
        await admin.ClickAsync("#job-add");
        await Assertions.Expect(admin.Locator("[data-field-error='keep-last']")).ToContainTextAsync("The number of restore points to keep");
        await Assertions.Expect(admin.Locator("[data-field-error='source']")).ToContainTextAsync("A disk source needs the path of each disk image");
        await ConsoleBrowser.ScreenshotAsync(admin, test, "jobs");
        await AssertPageWordsAsync(admin, 2);
        await admin.FillAsync("#job-keep-last", "3");
        await admin.FillAsync("#job-source", "/srv/web01.raw");
        await admin.ClickAsync("#job-add");
        await Assertions.Expect(admin.Locator("[data-field-error='name']")).ToHaveTextAsync("There is a job nightly already; pick another name, or remove that job from the list above first.");
        await AssertPageWordsAsync(admin, 1);

        // Datastores: a bad name and a relative folder at once.
        await ConsoleBrowser.OpenAsync(admin, "datastores");
        await admin.FillAsync("#datastore-name", "9stores");
        await admin.FillAsync("#datastore-path", "relative/folder");
        await admin.ClickAsync("#datastore-add");
        await Assertions.Expect(admin.Locator("[data-field-error='path']")).ToContainTextAsync("path must be a folder's absolute path");
        await Assertions.Expect(admin.Locator("[data-field-error='name']")).ToContainTextAsync("is not a datastore name");
        await AssertPageWordsAsync(admin, 2);

        // Instant recovery: every firmware line that is not NAME=VALUE, and the server's own refusal in the page's words.
        await ConsoleBrowser.OpenAsync(admin, "recover");
        await admin.FillAsync("#recover-fw-cfg", "one\ntwo");
        await admin.ClickAsync("#recover-start");
        await Assertions.Expect(admin.Locator("[data-field-error='firmwareConfig']")).ToHaveTextAsync("Firmware config lines 'one', 'two' are not NAME=VALUE; write each as opt/NAME=VALUE.");
        await AssertPageWordsAsync(admin, 1);
        await admin.FillAsync("#recover-fw-cfg", "");
        await admin.FillAsync("#recover-redirect", "/not/a/datastore");
        await admin.ClickAsync("#recover-start");
        await Assertions.Expect(admin.Locator("main .error")).Not.ToHaveCountAsync(0);
        await ConsoleBrowser.ScreenshotAsync(admin, test, "recover");
        await AssertPageWordsAsync(admin, 0);
    }

    /// <summary>The page shows <paramref name="fieldErrors"/> errors beside fields, and no error on it speaks of a CLI flag or command.</summary>
    private static async Task AssertPageWordsAsync(IPage page, int fieldErrors)
    {
        await Assertions.Expect(page.Locator("[data-field-error]")).ToHaveCountAsync(fieldErrors);
        foreach (var text in await page.Locator("[data-field-error], main .error").AllInnerTextsAsync())
        {
            Assert.DoesNotContain("--", text, StringComparison.Ordinal);
            Assert.DoesNotContain("lifeboat ", text, StringComparison.Ordinal);
        }
    }

    /// <summary>Visits the landing page, then every same-origin link breadth-first; checks each page and returns what it saw.</summary>
    private static async Task<Dictionary<string, PageSeen>> WalkAsync(IPage page, string role)
    {
        var seen = new Dictionary<string, PageSeen>(StringComparer.Ordinal);
        var perKind = new Dictionary<string, int>(StringComparer.Ordinal);
        var queue = new Queue<string>(["/"]);
        var queued = new HashSet<string>(["/"], StringComparer.Ordinal);
        var origin = new Uri(page.Url).GetLeftPart(UriPartial.Authority);
        while (queue.TryDequeue(out var path) && seen.Count < MaxPages)
        {
            var kind = Kind(path);
            if (perKind.GetValueOrDefault(kind) >= PagesPerKind)
                continue;
            perKind[kind] = perKind.GetValueOrDefault(kind) + 1;

            await page.GotoAsync(path.TrimStart('/'));
            await ConsoleBrowser.WaitConnectedAsync(page);
            var width = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
            var text = await page.Locator("body").InnerTextAsync();
            var actions = await page.Locator("[data-action]").CountAsync();
            await ConsoleBrowser.ScreenshotAsync(page, "console-walk", role + (path == "/" ? "-landing" : FileName().Replace(path, "-")));
            seen[path] = new PageSeen(text, actions);

            Assert.True(width <= 1366, $"{path} ({role}) is {width} px wide: it scrolls sideways at 1366x768.");
            foreach (Match time in TimeText().Matches(text))
            {
                Assert.True(time.Groups["zone"].Success, $"{path} ({role}) shows a time without its zone: '{time.Value}'.");
                Assert.Equal(Zone, time.Groups["zone"].Value);
            }

            var broken = await page.EvaluateAsync<string[]>(BrokenTimes);
            Assert.True(broken.Length == 0, $"{path} ({role}) breaks a time across lines: {string.Join(", ", broken)}.");

            var links = await page.EvaluateAsync<string[]>("() => [...document.querySelectorAll('a[href]:not([download])')].map(a => a.href)");
            foreach (var link in links)
            {
                if (!link.StartsWith(origin + "/", StringComparison.Ordinal))
                    continue;
                var target = link[origin.Length..].Split('#')[0];
                if (target.StartsWith("/api", StringComparison.Ordinal) || target.StartsWith("/logout", StringComparison.Ordinal)
                    || target.StartsWith("/login", StringComparison.Ordinal) || target.StartsWith("/metrics", StringComparison.Ordinal)
                    || target.StartsWith("/openapi", StringComparison.Ordinal) || target.StartsWith("/_", StringComparison.Ordinal))
                    continue;
                if (queued.Add(target))
                    queue.Enqueue(target);
            }
        }

        return seen;
    }

    /// <summary>A page's kind: its first segment, with one more for a detail page, and its query's names (files?vm=…&amp;point=…).</summary>
    private static string Kind(string path)
    {
        var (route, query) = path.IndexOf('?') is var q and >= 0 ? (path[..q], path[(q + 1)..]) : (path, "");
        var segments = route.Trim('/').Split('/');
        var names = string.Join('&', query.Split('&', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=')[0]));
        return (segments.Length > 1 ? segments[0] + "/*" : route) + "?" + names;
    }

    /// <summary>Every time on the page whose text the browser laid out over more than one line.</summary>
    private const string BrokenTimes = """
        () => {
          const time = /\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})? UTC([+-]\d{2}:\d{2})?/g;
          const broken = [];
          const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          while (walker.nextNode()) {
            const node = walker.currentNode;
            for (const match of node.textContent.matchAll(time)) {
              const range = document.createRange();
              range.setStart(node, match.index);
              range.setEnd(node, match.index + match[0].length);
              if (new Set([...range.getClientRects()].map(r => Math.round(r.top))).size > 1)
                broken.push(match[0]);
            }
          }
          return broken;
        }
        """;

    private sealed record PageSeen(string Text, int Actions);

    /// <summary>A date and a time of day as people read them, and the zone written after it, if any.</summary>
    [GeneratedRegex(@"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?(?: (?<zone>UTC(?:[+-]\d{2}:\d{2})?))?")]
    private static partial Regex TimeText();

    [GeneratedRegex(@"\d{4}-\d{2}-\d{2} 02:00:00 UTC-05:00")]
    private static partial Regex NextRunAt();

    [GeneratedRegex(@"[^A-Za-z0-9.]+")]
    private static partial Regex FileName();
}
