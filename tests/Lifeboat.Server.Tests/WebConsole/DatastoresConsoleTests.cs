using System.Net.Http.Json;
using Lifeboat.Server.Contracts.Security;
using Lifeboat.Server.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Lifeboat.Server.Tests.WebConsole;

/// <summary>
/// Datastores in a real browser: an admin declares and removes one, a bad path is refused beside its field, and
/// lower roles see them without controls.
/// </summary>
[Collection(AdminConsoleCollection.Name)]
public sealed class DatastoresConsoleTests(AdminConsoleFixture fixture) : AdminConsoleTest(fixture)
{
    [Fact]
    public async Task An_admin_declares_a_datastore_in_the_page_a_bad_path_is_refused_beside_its_field_and_remove_removes_it()
    {
        const string test = "admin-datastores";
        using var place = new TestFolder();
        var admin = await Browser.LogInAsync(Server, "dana", LifeboatRoles.Admin, await Browser.NewContextAsync());
        await admin.ClickAsync("#nav-datastores");
        await admin.WaitForURLAsync("**/datastores");
        await Expect(admin.Locator("tr[data-datastore='cache']")).ToContainTextAsync("built in");
        await Expect(admin.Locator("tr[data-datastore='cache'] button")).ToHaveCountAsync(0);

        // Each bad path is refused by the registry's own check, shown beside the folder field, and declares nothing
        // (each sentence differs from the one before it, so each wait sees the new refusal, not the last).
        await admin.FillAsync("#datastore-name", "fast");
        foreach (var (path, said) in new[]
        {
            ("srv/fast", "path must be a folder's absolute path"),
            (place.Combine("missing"), "is not an existing folder"),
            (place.Path + "\u0007", "path must be a folder's absolute path"),
        })
        {
            await admin.FillAsync("#datastore-path", path);
            await admin.ClickAsync("#datastore-add");
            await Expect(admin.Locator("[data-field-error='path']")).ToContainTextAsync(said);
            await Expect(admin.Locator("label", new() { Has = admin.Locator("#datastore-path") })).ToContainTextAsync(said);
            await Expect(admin.Locator("[data-field-error]")).ToHaveCountAsync(1);
        }

        await ConsoleBrowser.ScreenshotAsync(admin, test, "1-path-error");
        Assert.DoesNotContain("\"fast\"", await Server.Http.GetStringAsync("api/datastores"), StringComparison.Ordinal);

        await admin.FillAsync("#datastore-path", place.Path);
        await admin.ClickAsync("#datastore-add");
        await Expect(admin.Locator("#datastore-outcome")).ToHaveTextAsync($"Datastore fast is declared at {place.Path}; recoveries and migrations may write inside it.");
        var row = admin.Locator("tr[data-datastore='fast']");
        await Expect(row).ToContainTextAsync(place.Path);
        await Expect(row.Locator("td.number")).ToContainTextAsync("B");
        await ConsoleBrowser.ScreenshotAsync(admin, test, "2-datastore-added");
        var listed = await Server.Http.GetFromJsonAsync("api/datastores", ContractsJsonContext.Default.ListDatastoreView);
        Assert.Contains(listed!, d => d.Name == "fast" && d.Path == place.Path && !d.BuiltIn);

        await ConsoleBrowser.OpenAsync(admin, "audit");
        var entry = admin.Locator("#audit tr", new() { HasText = "datastore.add" }).Filter(new() { HasText = "dana" }).First;
        await Expect(entry).ToContainTextAsync($"fast at {place.Path}");
        await Expect(entry).ToContainTextAsync("ok");
        await ConsoleBrowser.OpenAsync(admin, "datastores");

        row = admin.Locator("tr[data-datastore='fast']");
        await row.Locator("button", new() { HasText = "Remove" }).ClickAsync();
        await row.Locator("button[data-confirm='yes']").ClickAsync();
        await Expect(admin.Locator("#datastore-outcome")).ToHaveTextAsync("Datastore fast is removed; what was written there stays.");
        await Expect(row).ToHaveCountAsync(0);
        Assert.DoesNotContain("\"fast\"", await Server.Http.GetStringAsync("api/datastores"), StringComparison.Ordinal);
        var audit = await Server.Http.GetStringAsync("api/audit?who=dana");
        Assert.Contains("\"datastore.remove\"", audit, StringComparison.Ordinal);
        Assert.True(Directory.Exists(place.Path));
    }

    [Fact]
    public async Task A_viewer_and_an_operator_see_the_datastores_without_controls()
    {
        foreach (var (name, role) in new[] { ("vince", LifeboatRoles.Viewer), ("oona", LifeboatRoles.Operator) })
        {
            var page = await Browser.LogInAsync(Server, name, role, await Browser.NewContextAsync());
            await page.ClickAsync("#nav-datastores");
            await page.WaitForURLAsync("**/datastores");
            await Expect(page.Locator("tr[data-datastore='cache']")).ToContainTextAsync("built in");
            await Expect(page.Locator("#datastore-add-form")).ToHaveCountAsync(0);
            await Expect(page.Locator("#datastores button")).ToHaveCountAsync(0);
            await Expect(page.Locator("main")).ToContainTextAsync("An admin declares them");
            await ConsoleBrowser.ScreenshotAsync(page, "lower-roles", $"{role}-datastores");
        }
    }
}
