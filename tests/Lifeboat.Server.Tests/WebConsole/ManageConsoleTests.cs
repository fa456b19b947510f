using System.Net;
using System.Net.Http.Json;
using Lifeboat.Server.Contracts.Jobs;
using Lifeboat.Server.Contracts.Security;
using Lifeboat.Server.Sessions;
using Lifeboat.Server.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Lifeboat.Server.Tests.WebConsole;

/// <summary>
/// Managing what exists in a real browser: a job edited, disabled and run now; restore points protected, unprotected and
/// deleted; a failed recovery started again; and what viewers and operators are shown of it.
/// </summary>
public sealed class ManageConsoleTests(AdminConsoleFixture fixture) : IClassFixture<AdminConsoleFixture>, IDisposable
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(2);
    private readonly TestFolder _folder = new();

    private ServerProcess Server => fixture.Server;

    private ConsoleBrowser Browser => fixture.Browser;

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task An_admin_edits_disables_and_runs_a_job_then_protects_unprotects_and_deletes_its_restore_points()
    {
        const string test = "manage-jobs-and-restore-points";
        var disk = TestDisk.Create(_folder.Combine("web.raw"), 2, seed: 61);
        await AddJobAsync("web", "web-vm", disk);
        var admin = await Browser.LogInAsync(Server, "maya", LifeboatRoles.Admin, await Browser.NewContextAsync());

        await ConsoleBrowser.OpenAsync(admin, "jobs/web");
        await Expect(admin.Locator("#job-name")).ToHaveValueAsync("web");
        await Expect(admin.Locator("#job-source")).ToHaveValueAsync(disk);
        await admin.FillAsync("#job-schedule", "now and then");
        await admin.ClickAsync("#job-save");
        await Expect(admin.Locator("[data-field-error='schedule']")).ToContainTextAsync("Schedule 'now and then' is not");
        await admin.FillAsync("#job-schedule", "every 6h");
        await admin.FillAsync("#job-keep-last", "5");
        await admin.ClickAsync("#job-save");
        await Expect(admin.Locator("#job-edit-outcome")).ToHaveTextAsync("Job web now backs up web-vm every 6h, keeping the newest 5.");
        await Expect(admin.Locator("table.facts")).ToContainTextAsync("the newest 5");
        var edited = (await Server.Http.GetFromJsonAsync("api/jobs/web", ContractsJsonContext.Default.JobView))!;
        Assert.Equal(("every 6h", 5, true), (edited.Spec.Schedule, edited.Spec.KeepLast, edited.Spec.Enabled));

        await admin.ClickAsync("button[data-action='job-disable']");
        await admin.ClickAsync("button[data-confirm='yes']");
        await Expect(admin.Locator("#job-disabled")).ToHaveTextAsync("disabled");
        await Expect(admin.Locator("#job-next-run")).ToContainTextAsync("disabled");
        await AssertNoSidewaysScrollAsync(admin);
        await ConsoleBrowser.ScreenshotAsync(admin, test, "1-job-edited-and-disabled");
        Assert.False((await Server.Http.GetFromJsonAsync("api/jobs/web", ContractsJsonContext.Default.JobView))!.Spec.Enabled);

        // A disabled job still runs now, from the list.
        await ConsoleBrowser.OpenAsync(admin, "jobs");
        var row = admin.Locator("tr[data-job='web']");
        await Expect(row).ToContainTextAsync("disabled");
        for (var run = 1; run <= 2; run++)
        {
            TestDisk.Change(disk, seed: 70 + run);
            await Expect(row.Locator("button.run-now")).ToBeEnabledAsync();
            await row.Locator("button.run-now").ClickAsync();
            await Expect(admin.Locator("#job-run-outcome")).ToContainTextAsync("Job web runs now (run ");
            await WaitForRunsAsync("web", run);
        }

        await Expect(row).ToContainTextAsync("succeeded");
        await ConsoleBrowser.ScreenshotAsync(admin, test, "2-jobs-list-run-now");
        var runs = (await Server.Http.GetFromJsonAsync("api/jobs/web/history", ContractsJsonContext.Default.ListJobRunView))!;
        var (older, newer) = (runs[1].RestorePointId!, runs[0].RestorePointId!);

        await ConsoleBrowser.OpenAsync(admin, "vms");
        var oldRow = admin.Locator($"tr[data-restore-point='{older}']");
        await Expect(oldRow.Locator("td.type")).ToHaveTextAsync("full, no CBT");
        await Expect(oldRow.Locator("td.consistency")).ToHaveTextAsync("not recorded");
        await oldRow.Locator("button.protect").ClickAsync();
        await Expect(admin.Locator("#vms-outcome")).ToHaveTextAsync($"Restore point {older} is protected: retention keeps it and it cannot be deleted.");
        await Expect(oldRow).ToHaveAttributeAsync("data-protected", "true");
        await Expect(oldRow.Locator("button[data-action='delete-restore-point']")).ToHaveCountAsync(0);
        await AssertNoSidewaysScrollAsync(admin);
        await ConsoleBrowser.ScreenshotAsync(admin, test, "3-restore-point-protected");
        using (var refused = await Server.Http.DeleteAsync($"api/restore-points/{older}"))
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);

        await oldRow.Locator("button.unprotect").ClickAsync();
        await Expect(oldRow).ToHaveAttributeAsync("data-protected", "false");
        await oldRow.Locator("button[data-action='delete-restore-point']").ClickAsync();
        await oldRow.Locator("button[data-confirm='yes']").ClickAsync();
        await Expect(admin.Locator("#vms-outcome")).ToContainTextAsync($"Restore point {older} of web-vm is deleted;");
        await Expect(oldRow).ToHaveCountAsync(0);
        await Expect(admin.Locator($"tr[data-restore-point='{newer}']")).ToBeVisibleAsync();
        await ConsoleBrowser.ScreenshotAsync(admin, test, "4-restore-point-deleted");

        var audit = (await Server.Http.GetFromJsonAsync("api/audit?who=maya", ContractsJsonContext.Default.ListAuditEntry))!;
        foreach (var (action, target) in new[] { ("job.edit", "web"), ("job.disable", "web"), ("job.run", "web"), ("restore-point.protect", older), ("restore-point.unprotect", older), ("restore-point.delete", older) })
            Assert.Contains(audit, e => (e.Action, e.Target, e.Outcome) == (action, target, "ok"));
    }

    [Fact]
    public async Task A_viewer_sees_no_action_and_an_operator_may_protect_and_run_but_not_unprotect_delete_or_edit()
    {
        const string test = "manage-roles";
        var disk = TestDisk.Create(_folder.Combine("roles.raw"), 1, seed: 62);
        await AddJobAsync("roles", "roles-vm", disk);
        using (var started = await Server.Http.PostAsync("api/jobs/roles/run", null))
            Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var point = (await WaitForRunsAsync("roles", 1))[0].RestorePointId!;
        using (var protect = await Server.Http.PostAsync($"api/restore-points/{point}/protect", null))
            Assert.Equal(HttpStatusCode.OK, protect.StatusCode);

        var viewer = await Browser.LogInAsync(Server, "vera", LifeboatRoles.Viewer, await Browser.NewContextAsync());
        foreach (var path in new[] { "jobs", "jobs/roles", "vms" })
        {
            await ConsoleBrowser.OpenAsync(viewer, path);
            await Expect(viewer.Locator("h1")).ToBeVisibleAsync();
            await Expect(viewer.Locator("[data-action]")).ToHaveCountAsync(0);
        }

        await Expect(viewer.Locator($"tr[data-restore-point='{point}']")).ToContainTextAsync("protected");
        await ConsoleBrowser.ScreenshotAsync(viewer, test, "1-viewer-vms");

        var operatorPage = await Browser.LogInAsync(Server, "otto", LifeboatRoles.Operator, await Browser.NewContextAsync());
        await ConsoleBrowser.OpenAsync(operatorPage, "vms");
        var row = operatorPage.Locator($"tr[data-restore-point='{point}']");
        await Expect(row.Locator("button.verify")).ToHaveTextAsync("Verify now");
        await Expect(row.Locator("a.browse-files")).ToBeVisibleAsync();
        await Expect(row.Locator("button.unprotect")).ToHaveCountAsync(0);
        await Expect(row.Locator("button[data-action='delete-restore-point']")).ToHaveCountAsync(0);
        await ConsoleBrowser.OpenAsync(operatorPage, "jobs/roles");
        await Expect(operatorPage.Locator("button[data-action='job-run']")).ToBeVisibleAsync();
        await Expect(operatorPage.Locator("#job-edit-form")).ToHaveCountAsync(0);
        await Expect(operatorPage.Locator("[data-action='job-disable']")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_failed_recovery_offers_Recover_again_with_twice_its_timeout_and_starts_a_new_session()
    {
        const string test = "manage-recover-again";
        var disk = TestDisk.Create(_folder.Combine("again.raw"), 1, seed: 63);
        await AddJobAsync("again", "again-vm", disk);
        using (var started = await Server.Http.PostAsync("api/jobs/again/run", null))
            Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var point = (await WaitForRunsAsync("again", 1))[0].RestorePointId!;
        // A backup of disk files records no guest agent channel: waiting for the agent fails in Initialization, before any boot.
        var failed = await Server.RecoverAsync(new RecoveryRequest { Vm = "again-vm", RestorePoint = point, ReadyWhen = "agent", ReadyTimeoutSeconds = 9 });
        Assert.Equal(SessionState.Failed, (await Server.WaitForEndAsync(failed.Id, RunTimeout)).State);

        var page = await Browser.LogInAsync(Server, "rita", LifeboatRoles.Operator, await Browser.NewContextAsync());
        await ConsoleBrowser.OpenAsync(page, $"sessions/{failed.Id}");
        await Expect(page.Locator("#recover-again-timeout")).ToHaveValueAsync("18");
        await page.FillAsync("#recover-again-timeout", "30");
        await ConsoleBrowser.ScreenshotAsync(page, test, "1-failed-session");
        await page.ClickAsync("#recover-again");
        await page.WaitForURLAsync(url => !url.EndsWith(failed.Id, StringComparison.Ordinal) && url.Contains("/sessions/", StringComparison.Ordinal));
        var again = page.Url[(page.Url.LastIndexOf('/') + 1)..];
        var ended = await Server.WaitForEndAsync(again, RunTimeout);
        Assert.Equal((point, "agent", 30.0), (ended.RestorePointId, ended.ReadyWhen, ended.ReadyTimeoutSeconds));
        await Expect(page.Locator("h1")).ToContainTextAsync(again);
        await ConsoleBrowser.ScreenshotAsync(page, test, "2-recovered-again");

        var viewer = await Browser.LogInAsync(Server, "vic", LifeboatRoles.Viewer, await Browser.NewContextAsync());
        await ConsoleBrowser.OpenAsync(viewer, $"sessions/{failed.Id}");
        await Expect(viewer.Locator("#session-state")).ToHaveTextAsync("failed");
        await Expect(viewer.Locator("[data-action]")).ToHaveCountAsync(0);
    }

    private async Task AddJobAsync(string name, string vm, string disk)
    {
        var spec = new JobSpec(name, vm, new JobSource(JobSourceKind.Disks, DiskPaths: [disk]), "daily 02:00", 3);
        using var added = await Server.PostAsync("api/jobs", spec, ContractsJsonContext.Default.JobSpec);
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
    }

    private async Task<List<JobRunView>> WaitForRunsAsync(string job, int count)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var runs = (await Server.Http.GetFromJsonAsync($"api/jobs/{job}/history", ContractsJsonContext.Default.ListJobRunView))!;
            if (runs.Count(r => r.IsFinal) >= count)
            {
                Assert.All(runs, r => Assert.True(r.Outcome == JobRunOutcome.Succeeded, r.Error));
                return runs;
            }

            if (clock.Elapsed > RunTimeout)
                throw new TimeoutException($"Job {job} has {runs.Count(r => r.IsFinal)} ended runs, not {count}.");
            await Task.Delay(200);
        }
    }

    /// <summary>At 1366x768 the page is no wider than the window.</summary>
    private static async Task AssertNoSidewaysScrollAsync(IPage page)
    {
        var (scroll, client) = (await page.EvaluateAsync<int>("document.documentElement.scrollWidth"), await page.EvaluateAsync<int>("document.documentElement.clientWidth"));
        Assert.True(scroll <= client, $"The page {page.Url} is {scroll} px wide in a window of {client} px.");
    }
}
