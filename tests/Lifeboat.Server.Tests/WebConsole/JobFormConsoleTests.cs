using System.Net;
using System.Net.Http.Json;
using Lifeboat.Server.Contracts.Security;
using static Microsoft.Playwright.Assertions;

namespace Lifeboat.Server.Tests.WebConsole;

/// <summary>
/// The job form in a real browser: every field's problem beside its field in the page's words, then a job added and removed.
/// </summary>
[Collection(AdminConsoleCollection.Name)]
public sealed class JobFormConsoleTests(AdminConsoleFixture fixture) : AdminConsoleTest(fixture)
{
    [Fact]
    public async Task The_job_form_shows_an_error_beside_its_field_then_adds_the_job_and_remove_removes_it()
    {
        const string test = "admin-jobs";
        var admin = await Browser.LogInAsync(Server, "jack", LifeboatRoles.Admin, await Browser.NewContextAsync());
        await ConsoleBrowser.OpenAsync(admin, "jobs");
        await admin.FillAsync("#job-name", "nightly");
        await admin.FillAsync("#job-vm", "web01");
        await admin.FillAsync("#job-source", "/srv/vms/web01.raw");
        await admin.FillAsync("#job-schedule", "now and then");
        await admin.ClickAsync("#job-add");
        var error = admin.Locator("[data-field-error='schedule']");
        await Expect(error).ToContainTextAsync("Schedule 'now and then' is not");
        await Expect(admin.Locator("label", new() { Has = admin.Locator("#job-schedule") })).ToContainTextAsync("Schedule 'now and then' is not");
        await Expect(admin.Locator("[data-field-error]")).ToHaveCountAsync(1);
        await ConsoleBrowser.ScreenshotAsync(admin, test, "1-schedule-error");

        // Every field's problem at once, each beside its field, in the page's words (no CLI flag, no command).
        await admin.FillAsync("#job-name", "-bad name");
        await admin.FillAsync("#job-source", "");
        await admin.FillAsync("#job-keep-last", "0");
        await admin.ClickAsync("#job-add");
        await Expect(admin.Locator("[data-field-error='keep-last']")).ToContainTextAsync("The number of restore points to keep must be between 1 and");
        await Expect(admin.Locator("[data-field-error='name']")).ToContainTextAsync("Job name '-bad name' must be");
        await Expect(admin.Locator("[data-field-error='source']")).ToContainTextAsync("A disk source needs the path of each disk image");
        await Expect(admin.Locator("[data-field-error='schedule']")).ToContainTextAsync("Schedule 'now and then' is not");
        await Expect(admin.Locator("[data-field-error]")).ToHaveCountAsync(4);
        await ConsoleBrowser.ScreenshotAsync(admin, test, "1-every-error");
        foreach (var shown in await admin.Locator("[data-field-error]").AllInnerTextsAsync())
            Assert.DoesNotMatch("--|lifeboat ", shown);
        using var rest = await Server.PostAsync("api/jobs", new Contracts.Jobs.JobSpec("-bad name", "web01", new Contracts.Jobs.JobSource(Contracts.Jobs.JobSourceKind.Disks, DiskPaths: []), "now and then", 0),
            ContractsJsonContext.Default.JobSpec);
        Assert.Equal(HttpStatusCode.BadRequest, rest.StatusCode);
        var refusal = (await rest.Content.ReadFromJsonAsync(ContractsJsonContext.Default.ApiError))!;
        Assert.Equal(["name", "keep-last", "schedule", "source"], refusal.Fields!.Select(f => f.Field));
        Assert.Equal("name", refusal.Field);

        await admin.FillAsync("#job-name", "nightly");
        await admin.FillAsync("#job-source", "/srv/vms/web01.raw");
        await admin.FillAsync("#job-schedule", "every 6h");
        await admin.ClickAsync("#job-add");
        await Expect(admin.Locator("[data-field-error='keep-last']")).ToContainTextAsync("The number of restore points to keep must be between 1 and");
        await Expect(admin.Locator("[data-field-error='schedule']")).ToHaveCountAsync(0);

        await admin.FillAsync("#job-keep-last", "3");
        await admin.ClickAsync("#job-add");
        await Expect(admin.Locator("#job-outcome")).ToHaveTextAsync("Job nightly backs up web01 every 6h.");
        await Expect(admin.Locator("tr[data-job='nightly']")).ToContainTextAsync("disks /srv/vms/web01.raw");
        await ConsoleBrowser.ScreenshotAsync(admin, test, "2-job-added");
        using (var added = await Server.Http.GetAsync("api/jobs/nightly"))
            Assert.Equal(HttpStatusCode.OK, added.StatusCode);

        await admin.FillAsync("#job-name", "nightly");
        await admin.FillAsync("#job-vm", "web01");
        await admin.FillAsync("#job-source", "/srv/vms/web01.raw");
        await admin.ClickAsync("#job-add");
        await Expect(admin.Locator("[data-field-error='name']")).ToContainTextAsync("There is a job nightly already; pick another name");

        var row = admin.Locator("tr[data-job='nightly']");
        await row.Locator("button", new() { HasText = "Remove" }).ClickAsync();
        await row.Locator("button[data-confirm='yes']").ClickAsync();
        await Expect(admin.Locator("#job-removed")).ToHaveTextAsync("Job nightly is removed; its restore points stay.");
        await Expect(row).ToHaveCountAsync(0);
        using (var removed = await Server.Http.GetAsync("api/jobs/nightly"))
            Assert.Equal(HttpStatusCode.NotFound, removed.StatusCode);
        var audit = await Server.Http.GetStringAsync("api/audit?who=jack");
        foreach (var action in new[] { "\"job.add\"", "\"job.remove\"" })
            Assert.Contains(action, audit, StringComparison.Ordinal);
    }
}
