using System.Net;
using System.Net.Http.Headers;
using Lifeboat.Server.Contracts.Security;
using static Microsoft.Playwright.Assertions;

namespace Lifeboat.Server.Tests.WebConsole;

/// <summary>
/// API tokens in a real browser: one created in the page works as a bearer until it is revoked there.
/// </summary>
[Collection(AdminConsoleCollection.Name)]
public sealed class TokensConsoleTests(AdminConsoleFixture fixture) : AdminConsoleTest(fixture)
{
    [Fact]
    public async Task A_token_created_in_the_page_works_as_a_bearer_until_it_is_revoked_there()
    {
        const string test = "admin-tokens";
        var admin = await Browser.LogInAsync(Server, "tara", LifeboatRoles.Admin, await Browser.NewContextAsync());
        await ConsoleBrowser.OpenAsync(admin, "tokens");
        await Expect(admin.Locator("tr[data-token='local-admin']")).ToBeVisibleAsync();
        await admin.FillAsync("#token-name", "ci-script");
        await admin.SelectOptionAsync("#token-role", LifeboatRoles.Viewer);
        await admin.ClickAsync("#token-create");
        await Expect(admin.Locator("#token-outcome")).ToContainTextAsync("Created token ci-script");
        var secret = await admin.Locator("#token-secret").InputValueAsync();
        Assert.StartsWith(ApiTokenFile.TokenPrefix, secret, StringComparison.Ordinal);
        await Expect(admin.Locator("p.done .hint")).ToContainTextAsync("shown only this once");
        await ConsoleBrowser.ScreenshotAsync(admin, test, "1-token-created");

        using var bearer = new HttpClient { BaseAddress = Server.Http.BaseAddress };
        bearer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        using (var sessions = await bearer.GetAsync("api/sessions"))
            Assert.Equal(HttpStatusCode.OK, sessions.StatusCode);

        await admin.CheckAsync("#token-only-mine");
        await Expect(admin.Locator("tr[data-token='local-admin']")).ToHaveCountAsync(0);
        var row = admin.Locator("tr[data-token='ci-script']");
        await Expect(row).ToContainTextAsync("tara");
        await row.Locator("button", new() { HasText = "Revoke" }).ClickAsync();
        await row.Locator("button[data-confirm='yes']").ClickAsync();
        await Expect(admin.Locator("#token-outcome")).ToContainTextAsync("Revoked token");
        await Expect(row.Locator("button", new() { HasText = "Revoke" })).ToHaveCountAsync(0);
        await ConsoleBrowser.ScreenshotAsync(admin, test, "2-token-revoked");
        using (var refused = await bearer.GetAsync("api/sessions"))
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.DoesNotContain(secret, await Server.Http.GetStringAsync("api/audit?limit=10000"), StringComparison.Ordinal);
    }
}
