using Lifeboat.Server.Contracts.Security;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Lifeboat.Server.Tests.WebConsole;

/// <summary>
/// The console's users as people use them in a real browser: an admin adds users who sign in with their role, a
/// reset and a password change end other sessions; and the admin pages hidden from and refused to lower roles.
/// </summary>
[Collection(AdminConsoleCollection.Name)]
public sealed class UsersConsoleTests(AdminConsoleFixture fixture) : AdminConsoleTest(fixture)
{
    [Fact]
    public async Task An_admin_adds_a_user_who_signs_in_with_the_roles_view_changes_their_password_and_the_old_one_fails()
    {
        const string test = "admin-users";
        const string first = "owen's first password";
        const string second = "owen's second password";
        var admin = await Browser.LogInAsync(Server, "ada", LifeboatRoles.Admin, await Browser.NewContextAsync());
        await Expect(admin.Locator("#nav-users")).ToBeVisibleAsync();
        await admin.ClickAsync("#nav-users");
        await admin.WaitForURLAsync("**/users");
        await admin.FillAsync("#user-name", "owen");
        await admin.SelectOptionAsync("#user-role", LifeboatRoles.Operator);
        await admin.FillAsync("#user-password", first);
        await admin.ClickAsync("#user-add");
        await Expect(admin.Locator("#user-outcome")).ToHaveTextAsync("Added user owen with role operator.");
        await Expect(admin.Locator("#user-secret")).ToHaveCountAsync(0);
        await Expect(admin.Locator("tr[data-user='owen']")).ToContainTextAsync("operator");
        await ConsoleBrowser.ScreenshotAsync(admin, test, "1-user-added");

        // Without a password the server makes one, shown once in the page; it signs in.
        await admin.FillAsync("#user-name", "gwen");
        await admin.SelectOptionAsync("#user-role", LifeboatRoles.Viewer);
        await admin.ClickAsync("#user-add");
        var generated = await admin.Locator("#user-secret").InputValueAsync();
        Assert.Matches("^[A-Za-z0-9_-]{24}$", generated);
        var gwen = await ConsoleBrowser.SignInAsync(await Browser.NewContextAsync(), "gwen", generated);
        await Expect(gwen.Locator("#signed-in-as")).ToHaveTextAsync("gwen (viewer)");

        // A reset makes a new password, shown once; gwen's browser session ends, and the new password signs in.
        var gwenRow = admin.Locator("tr[data-user='gwen']");
        await gwenRow.Locator("button", new() { HasText = "Reset password" }).ClickAsync();
        await gwenRow.Locator("button[data-confirm='yes']").ClickAsync();
        await Expect(admin.Locator("#user-outcome")).ToHaveTextAsync("Set a new password for gwen; their browser sessions have ended.");
        var reset = await admin.Locator("#user-secret").InputValueAsync();
        Assert.NotEqual(generated, reset);
        Assert.Equal(401, await StatusAsync(gwen, "api/me"));
        await ConsoleBrowser.SignInAsync(await Browser.NewContextAsync(), "gwen", reset);

        var owen = await ConsoleBrowser.SignInAsync(await Browser.NewContextAsync(), "owen", first);
        var otherSession = await ConsoleBrowser.SignInAsync(await Browser.NewContextAsync(), "owen", first);
        await Expect(owen.Locator("#signed-in-as")).ToHaveTextAsync("owen (operator)");
        await Expect(owen.Locator("#nav-users")).ToHaveCountAsync(0);
        await ConsoleBrowser.OpenAsync(owen, "recover");
        await Expect(owen.Locator("#viewer-note")).ToHaveCountAsync(0);
        await ConsoleBrowser.ScreenshotAsync(owen, test, "2-operator-view");

        await owen.ClickAsync("#nav-password");
        await owen.WaitForURLAsync("**/account/password");
        await ConsoleBrowser.WaitConnectedAsync(owen);
        // Every problem the page sees at once, each beside its field; then the server's, beside the current password.
        await owen.FillAsync("#password-current", "not owen's password");
        await owen.FillAsync("#password-new", "short");
        await owen.FillAsync("#password-repeat", "other");
        await owen.ClickAsync("#password-change");
        await Expect(owen.Locator("[data-field-error='newPassword']")).ToHaveTextAsync("The password is too short; use at least 12 characters.");
        await Expect(owen.Locator("[data-field-error='repeat']")).ToHaveTextAsync("The two new passwords differ; type the same one twice.");
        await owen.FillAsync("#password-new", second);
        await owen.FillAsync("#password-repeat", second);
        await owen.ClickAsync("#password-change");
        await Expect(owen.Locator("[data-field-error='current']")).ToHaveTextAsync("The current password is wrong; give the password you signed in with, or ask an admin to set a new one.");
        await Expect(owen.Locator("[data-field-error]")).ToHaveCountAsync(1);
        await owen.FillAsync("#password-current", first);
        await owen.FillAsync("#password-new", second);
        await owen.FillAsync("#password-repeat", second);
        await owen.ClickAsync("#password-change");
        await Expect(owen.Locator("#password-outcome")).ToHaveTextAsync("Your password is changed; your other browser sessions have ended.", new() { Timeout = 30_000 });
        await ConsoleBrowser.ScreenshotAsync(owen, test, "3-password-changed");
        Assert.Equal(200, await StatusAsync(owen, "api/me"));
        Assert.Equal(401, await StatusAsync(otherSession, "api/me"));

        await owen.ClickAsync("#sign-out");
        await owen.WaitForURLAsync("**/login");
        await owen.FillAsync("input[name=username]", "owen");
        await owen.FillAsync("input[name=password]", first);
        await owen.ClickAsync("button[type=submit]");
        await Expect(owen.Locator(".error")).ToHaveTextAsync("The user name or password is wrong.");
        await ConsoleBrowser.ScreenshotAsync(owen, test, "4-old-password-fails");
        await owen.FillAsync("input[name=password]", second);
        await owen.ClickAsync("button[type=submit]");
        await owen.WaitForURLAsync("**/");
        await ConsoleBrowser.WaitConnectedAsync(owen);
        await Expect(owen.Locator("#signed-in-as")).ToHaveTextAsync("owen (operator)");

        var audit = await Server.Http.GetStringAsync("api/audit?action=user.password");
        Assert.Contains("\"who\":\"owen\"", audit, StringComparison.Ordinal);
        Assert.Contains("\"outcome\":\"refused: The current password is wrong", audit, StringComparison.Ordinal);
        Assert.Contains("\"who\":\"ada\"", await Server.Http.GetStringAsync("api/audit?action=user.add"), StringComparison.Ordinal);
        Assert.DoesNotContain(second, await Server.Http.GetStringAsync("api/audit?limit=10000"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_viewer_and_an_operator_neither_see_nor_may_open_the_admin_pages()
    {
        foreach (var (name, role) in new[] { ("vera", LifeboatRoles.Viewer), ("otis", LifeboatRoles.Operator) })
        {
            var page = await Browser.LogInAsync(Server, name, role, await Browser.NewContextAsync());
            await Expect(page.Locator("#nav-users")).ToHaveCountAsync(0);
            await Expect(page.Locator("#nav-tokens")).ToHaveCountAsync(0);
            await Expect(page.Locator("#nav-password")).ToBeVisibleAsync();
            foreach (var path in new[] { "users", "tokens" })
            {
                var answer = await page.GotoAsync(path);
                Assert.Equal(403, answer!.Status);
                await Expect(page.Locator("#refused")).ToHaveTextAsync($"This page needs the admin role and {name} has {role}; ask an admin for it.");
            }

            await ConsoleBrowser.ScreenshotAsync(page, "lower-roles", $"{role}-refused");
            // On the circuit too: the router refuses the page, whatever the browser asks it to show.
            await ConsoleBrowser.OpenAsync(page, "jobs");
            await Expect(page.Locator("#job-add-form")).ToHaveCountAsync(0);
            await page.EvaluateAsync("() => Blazor.navigateTo('users')");
            await Expect(page.Locator("main .error")).ToHaveTextAsync($"This needs the admin role and {name} has {role}; ask an admin for it.");
            await Expect(page.Locator("#users")).ToHaveCountAsync(0);
            var forged = await page.EvaluateAsync<int>("""
                async () => (await fetch('api/users', { method: 'POST', headers: { 'Content-Type': 'application/json' },
                  body: JSON.stringify({ name: 'mallory', role: 'admin', password: null }) })).status
                """);
            Assert.Equal(403, forged);
        }

        using var users = await Server.Http.GetAsync("api/users");
        Assert.DoesNotContain("mallory", await users.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static Task<int> StatusAsync(IPage page, string path) => page.EvaluateAsync<int>($"async () => (await fetch('{path}')).status");
}
