using System.Net.Http.Json;
using Lifeboat.Server.Contracts.Jobs;
using Lifeboat.Server.Contracts.Security;
using Lifeboat.Server.Data;
using Lifeboat.Server.Hosting;
using Lifeboat.Server.Jobs;
using Lifeboat.Server.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Lifeboat.Server.Tests.WebConsole;

/// <summary>
/// The dashboard of a real server with a successful job, a failed one and a VM overdue, in chromium as a viewer, over
/// GET /api/dashboard and in `lifeboat status` (its exit codes): the same figures in all three.
/// </summary>
public sealed class DashboardConsoleTests
{
    private const string Test = "dashboard";

    [Fact]
    public async Task The_dashboard_the_API_and_lifeboat_status_show_results_an_overdue_VM_repository_usage_and_failures_to_act_on()
    {
        using var folder = new TestFolder();
        var data = new DataFolder(folder.Combine("data"));
        await using var server = await ServerProcess.StartAsync(data.Root, [.. ServerProcess.OwnPorts(), "--nbd-port", "0"]);
        var cli = new JobCli(server);

        // A fresh server is healthy: exit code 0.
        var fresh = cli.RunInColumns(80, "status");
        Assert.True(fresh.ExitCode == 0, fresh.ToString());
        Assert.Contains("Healthy.", fresh.Stdout, StringComparison.Ordinal);

        // A job added three hours ago whose hourly runs never happened (its server was down), as that server recorded it:
        // its VM has no restore point, so it is overdue since the job's first run and its grace (1 h + 1 h) passed.
        var addedAt = DateTimeOffset.UtcNow.AddHours(-3);
        using (var database = ServerDatabase.Open(data.Database))
        {
            var spec = JobHarness.DiskJob("stale", "every 1h", keepLast: 2, retries: 0, folder.Combine("stale.raw")) with { Repository = data.Repository };
            Assert.True(new JobStore(database).Insert(new JobRecord(spec, addedAt, DateTimeOffset.UtcNow.AddHours(1), null, null)));
        }

        var disk = TestDisk.Create(folder.Combine("good.raw"), 2, seed: 7);
        var missing = folder.Combine("missing.raw");
        cli.Run("job", "add", "nightly-good", "--vm", "good-vm", "--disk", disk, "--schedule", "daily 02:00", "--keep-last", "3").ShouldSucceed();
        cli.Run("job", "add", "nightly-broken", "--vm", "broken-vm", "--disk", missing, "--schedule", "daily 03:00", "--keep-last", "3", "--retries", "0").ShouldSucceed();
        var good = cli.RunJson(ContractsJsonContext.Default.JobRunView, "job", "run", "nightly-good");
        Assert.True(good.Outcome == JobRunOutcome.Succeeded, good.Error);
        var broken = cli.Run("job", "run", "nightly-broken");
        Assert.Contains(missing, broken.Stdout + broken.Stderr, StringComparison.Ordinal);

        // The watcher looked after each run and told the server's log (the channel every server has) of the overdue VM.
        await server.WaitForLogAsync("VM stale-vm is overdue", TimeSpan.FromSeconds(60));

        var browser = await ConsoleBrowser.StartAsync(server.Http.BaseAddress!);
        await using (browser)
        {
            var page = await browser.LogInAsync(server, "vera", LifeboatRoles.Viewer);
            await page.Locator("a.brand").ClickAsync();
            await page.WaitForURLAsync(server.Http.BaseAddress!.ToString());
            await ConsoleBrowser.WaitConnectedAsync(page);
            await Expect(page.Locator("#nav-dashboard")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("active"));
            var day = page.Locator("#last-24h");
            await Expect(day.Locator("[data-count=succeeded]")).ToHaveTextAsync("1");
            await Expect(day.Locator("[data-count=failed]")).ToHaveTextAsync("1");
            await Expect(page.Locator("#tile-overdue .figure")).ToHaveTextAsync("1");
            var stale = page.Locator("#overdue tr[data-vm='stale-vm']");
            await Expect(stale).ToContainTextAsync("every 1h");
            await Expect(stale).ToContainTextAsync("none");
            await Expect(stale.Locator("td").Nth(4)).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC"));
            var repository = page.Locator($"#repository-health tr[data-repository='{server.RepositoryPath}']");
            await Expect(repository).ToContainTextAsync("%");
            await Expect(repository.Locator(".dedup")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d+\.\d+×$"));
            var failure = page.Locator("#failures tr[data-failure='nightly-broken']");
            await Expect(failure).ToContainTextAsync(missing);
            await Expect(page.Locator("#nothing-running")).ToBeVisibleAsync();
            await Expect(page.Locator("[data-action]")).ToHaveCountAsync(0);
            Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"), "The dashboard scrolls sideways at 1366x768.");
            await ConsoleBrowser.ScreenshotAsync(page, Test, "1-dashboard");

            // A new run shows without a reload.
            TestDisk.Change(disk, seed: 8);
            cli.RunJson(ContractsJsonContext.Default.JobRunView, "job", "run", "nightly-good");
            await Expect(day.Locator("[data-count=succeeded]")).ToHaveTextAsync("2", new() { Timeout = 30_000 });
            await Expect(repository.Locator("td").Nth(4)).ToHaveTextAsync("2");

            // The failure's link leads to where one acts: the job's page.
            await failure.Locator("a.act").ClickAsync();
            await page.WaitForURLAsync("**/jobs/nightly-broken");
        }

        // The same figures over REST and in `lifeboat status`, which exits 4: something needs attention.
        var view = await server.Http.GetFromJsonAsync("api/dashboard", ContractsJsonContext.Default.DashboardView);
        Assert.NotNull(view);
        Assert.Equal((2, 1, 0, 0), (view.Last24Hours.Succeeded, view.Last24Hours.Failed, view.Last24Hours.Retrying, view.Last24Hours.Running));
        var overdue = Assert.Single(view.OverdueVms);
        Assert.Equal(("stale", "stale-vm", (DateTimeOffset?)null), (overdue.Job, overdue.Vm, overdue.NewestRestorePoint));
        Assert.Equal(addedAt.AddHours(2).ToUnixTimeSeconds(), overdue.OverdueSince.ToUnixTimeSeconds());
        var own = Assert.Single(view.Repositories);
        Assert.Equal((server.RepositoryPath, 2, null), (own.Path, own.RestorePoints, own.Error));
        Assert.True(own.UsedBytes > 0 && own.FreeBytes > 0 && own.UsedPercent is > 0 and <= 100 && own.StoredBytes > 0, $"{own}");
        Assert.Equal(4L << 20, own.LogicalBytes);
        Assert.Equal("nightly-broken", Assert.Single(view.Failures).Subject);
        Assert.False(view.Healthy);

        var status = cli.RunInColumns(80, "status");
        Assert.True(status.ExitCode == 4, status.ToString());
        foreach (var text in new[] { "2 succeeded", "1 failed", "stale-vm", server.RepositoryPath, "job nightly-broken", "Needs attention:" })
            Assert.True(status.Stdout.Contains(text, StringComparison.Ordinal), $"No '{text}' in:\n{status.Stdout}");
        Assert.All(status.Stdout.Split('\n'), line => Assert.True(line.Length <= 80, $"A line of {line.Length} characters:\n{status.Stdout}"));
        var json = cli.Run("status", "--json");
        Assert.Equal(4, json.ExitCode);
        var parsed = System.Text.Json.JsonSerializer.Deserialize(json.Stdout, ContractsJsonContext.Default.DashboardView);
        Assert.Equal("stale-vm", Assert.Single(parsed!.OverdueVms).Vm);
    }
}
