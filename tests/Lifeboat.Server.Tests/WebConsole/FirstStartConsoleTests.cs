using System.Net;
using System.Net.Http.Json;
using Lifeboat.Server.Contracts.Security;
using static Microsoft.Playwright.Assertions;

namespace Lifeboat.Server.Tests.WebConsole;

/// <summary>
/// A fresh server's console in a real browser: the 404 page in the layout, anonymous users sent to sign in, the
/// first start's admin held on the password page until they set their own, and the last admin kept.
/// </summary>
[Collection(AdminConsoleCollection.Name)]
public sealed class FirstStartConsoleTests(AdminConsoleFixture fixture) : AdminConsoleTest(fixture)
{
    [Fact]
    public async Task An_unknown_page_is_shown_in_the_layout_anonymous_users_sign_in_first_and_the_last_admin_stays()
    {
        const string test = "not-found";
        var admin = await Browser.LogInAsync(Server, "lena", LifeboatRoles.Admin, await Browser.NewContextAsync());
        var answer = await admin.GotoAsync("no/such/page");
        Assert.Equal(404, answer!.Status);
        await ConsoleBrowser.WaitConnectedAsync(admin);
        await Expect(admin.Locator("#not-found")).ToHaveTextAsync("No page at /no/such/page. Go to Sessions.");
        await Expect(admin.Locator("#signed-in-as")).ToHaveTextAsync("lena (admin)");
        await ConsoleBrowser.ScreenshotAsync(admin, test, "1-not-found");
        await admin.EvaluateAsync("() => Blazor.navigateTo('elsewhere')");
        await Expect(admin.Locator("#not-found")).ToHaveTextAsync("No page at /elsewhere. Go to Sessions.");
        await admin.ClickAsync("#not-found a");
        await admin.WaitForURLAsync("**/sessions");

        var anonymous = await (await Browser.NewContextAsync()).NewPageAsync();
        await anonymous.GotoAsync("no/such/page");
        await anonymous.WaitForURLAsync("**/login?**");

        // The first start's admin, signed in with the password the server wrote into its file, is sent to the password
        // page from every page (loaded or opened inside the console) and refused by the API until they set their own;
        // once they have, the file is gone and so is the question. (Then every other admin goes, below.)
        var passwordFile = Path.Combine(Server.DataDirectory, "initial-admin-password");
        var initial = File.ReadAllText(passwordFile).Trim();
        var first = await (await Browser.NewContextAsync()).NewPageAsync();
        await first.GotoAsync("sessions");
        await first.WaitForURLAsync("**/login?**");
        await first.FillAsync("input[name=username]", "admin");
        await first.FillAsync("input[name=password]", initial);
        await first.ClickAsync("button[type=submit]");
        await first.WaitForURLAsync("**/account/password");
        await ConsoleBrowser.WaitConnectedAsync(first);
        await Expect(first.Locator("#initial-password")).ToContainTextAsync("the password the server made at its first start");
        await ConsoleBrowser.ScreenshotAsync(first, test, "0-initial-password");
        await first.GotoAsync("jobs");
        await first.WaitForURLAsync("**/account/password");
        await ConsoleBrowser.WaitConnectedAsync(first);
        await first.ClickAsync("nav a[href='vms']");
        await first.WaitForURLAsync("**/account/password");
        var refused = await first.EvaluateAsync<string[]>("async () => { const r = await fetch('api/jobs'); return [String(r.status), (await r.json()).message]; }");
        Assert.Equal("403", refused[0]);
        Assert.Contains("POST /api/users/admin/password", refused[1]);
        Assert.Equal(HttpStatusCode.OK, (await Server.Http.GetAsync("api/jobs")).StatusCode);
        await ConsoleBrowser.WaitConnectedAsync(first);
        await first.FillAsync("#password-current", initial);
        await first.FillAsync("#password-new", "the admin's own password");
        await first.FillAsync("#password-repeat", "the admin's own password");
        await first.ClickAsync("#password-change");
        // Checking the current password and hashing the new one are slow by design (PBKDF2): on a loaded machine they
        // took longer than Playwright's default 5 s once, so this change gets the time a loaded machine needs.
        await Expect(first.Locator("#password-outcome")).ToContainTextAsync("Your password is changed", new() { Timeout = 30_000 });
        Assert.False(File.Exists(passwordFile));
        await ConsoleBrowser.OpenAsync(first, "sessions");
        await Expect(first.Locator("#initial-password")).ToHaveCountAsync(0);

        // Every other admin goes (over REST), then the page offers no Remove for the last one, and says why.
        foreach (var other in (await Server.Http.GetFromJsonAsync("api/users", ContractsJsonContext.Default.ListUserView))!.Where(u => u.Role == LifeboatRoles.Admin && u.Name != "lena"))
        {
            using var removed = await Server.Http.DeleteAsync($"api/users/{other.Name}");
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        }

        await ConsoleBrowser.OpenAsync(admin, "users");
        var me = admin.Locator("tr[data-user='lena']");
        await Expect(me.Locator("button", new() { HasText = "Remove" })).ToBeDisabledAsync();
        await Expect(me).ToContainTextAsync("the only admin: add another admin first");
        await Expect(me).ToBeVisibleAsync();
        await ConsoleBrowser.ScreenshotAsync(admin, test, "2-last-admin-stays");
    }
}
