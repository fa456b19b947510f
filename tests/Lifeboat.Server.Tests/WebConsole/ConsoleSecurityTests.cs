using System.Net;
using System.Net.Http.Json;
using Lifeboat.Server.Contracts.Jobs;
using Lifeboat.Server.Contracts.Security;
using Lifeboat.Server.Security;
using Lifeboat.Server.Sessions;
using Lifeboat.Server.Tests.Support;
using Lifeboat.Server.WebConsole;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Lifeboat.Server.Tests.WebConsole;

/// <summary>
/// What a browser session can be made to do from elsewhere, and how long it lasts, in a real chromium: forms and a
/// WebSocket from another port of 127.0.0.1, a redirect after sign-in, a removed admin's open page, a copied cookie
/// after sign-out, and framing.
/// </summary>
public sealed class ConsoleSecurityTests(AdminConsoleFixture fixture) : IClassFixture<AdminConsoleFixture>
{
    private ServerProcess Server => fixture.Server;

    private ConsoleBrowser Browser => fixture.Browser;

    private Uri BaseAddress => Server.Http.BaseAddress!;

    [Fact]
    public async Task A_form_and_a_websocket_on_another_port_of_the_machine_can_neither_run_a_job_stop_a_session_nor_join_the_console()
    {
        using var folder = new TestFolder();
        var disk = TestDisk.Create(folder.Combine("disk0.raw"), 1, seed: 5);
        var spec = new JobSpec("cross-site-job", "cross-site-vm", new JobSource(JobSourceKind.Disks, DiskPaths: [disk]), "daily 02:00", 2);
        using (var added = await Server.PostAsync("api/jobs", spec, ContractsJsonContext.Default.JobSpec))
            Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        await Server.BackupAsync("cross-site-vm", disk, vmConfig: null);
        // Over NBD (the fixture's server serves no portmap for QEMU's nfs driver), never powered on: ready at once.
        var session = await Server.RecoverAsync(new RecoveryRequest { Vm = "cross-site-vm", PowerOn = false, Protocol = "nbd" });
        var ready = await Server.WaitAsync(session.Id, s => s.State != SessionState.Starting, TimeSpan.FromMinutes(1));
        Assert.True(ready.State == SessionState.Ready, $"The session is {ready.State}: {ready.Error}");

        await using var site = new ForeignSite($$"""
            <!DOCTYPE html>
            <html><body>
            <form method="post" action="{{BaseAddress}}api/jobs/{{spec.Name}}/run"><button id="run">Win a prize</button></form>
            <form method="post" action="{{BaseAddress}}api/sessions/{{session.Id}}/stop"><button id="stop">Win another</button></form>
            </body></html>
            """);
        var context = await Browser.NewContextAsync();
        await Browser.LogInAsync(Server, "oscar", LifeboatRoles.Operator, context);
        var page = await context.NewPageAsync();
        foreach (var (button, path) in new[] { ("#run", $"/api/jobs/{spec.Name}/run"), ("#stop", $"/api/sessions/{session.Id}/stop") })
        {
            await page.GotoAsync(site.Address.ToString());
            var answer = await page.RunAndWaitForResponseAsync(() => page.ClickAsync(button), r => r.Url.EndsWith(path, StringComparison.Ordinal));
            Assert.Equal(403, answer.Status);
            Assert.Contains("came from another site", await answer.TextAsync(), StringComparison.Ordinal);
        }

        // The console's circuit: its negotiation and its WebSocket, opened by the other site's script with the cookie.
        await page.GotoAsync(site.Address.ToString());
        var socket = await page.EvaluateAsync<string>($$"""
            async () => {
              await fetch('{{BaseAddress}}_blazor/negotiate?negotiateVersion=1', { method: 'POST', mode: 'no-cors', credentials: 'include' });
              return await new Promise(resolve => {
                const ws = new WebSocket('{{BaseAddress.ToString().Replace("http://", "ws://", StringComparison.Ordinal)}}_blazor?id=forged');
                ws.onopen = () => resolve('open');
                ws.onerror = () => resolve('refused');
              });
            }
            """);
        Assert.Equal("refused", socket);

        Assert.Empty((await Server.Http.GetFromJsonAsync($"api/jobs/{spec.Name}/history", ContractsJsonContext.Default.ListJobRunView))!);
        Assert.Equal(SessionState.Ready, (await Server.GetAsync(session.Id)).State);
        var audit = (await Server.Http.GetFromJsonAsync("api/audit?who=oscar", ContractsJsonContext.Default.ListAuditEntry))!;
        foreach (var (action, target) in new[] { ("job.run", spec.Name), ("session.stop", session.Id), ("cross-site", "POST /_blazor/negotiate"), ("cross-site", "GET /_blazor") })
        {
            Assert.True(audit.Any(e => e.Action == action && e.Target == target && e.Outcome.StartsWith("denied: cross-site", StringComparison.Ordinal)),
                $"No denied {action} {target} in the audit log:{Environment.NewLine}{string.Join(Environment.NewLine, audit.Select(e => $"{e.Action} {e.Target} {e.Outcome}"))}");
        }

        // The console's own pages still work: its circuit connects, and its buttons act.
        var console = await ConsoleBrowser.OpenAsync(await context.NewPageAsync(), $"sessions/{session.Id}");
        await Expect(console.Locator("#session-state")).ToHaveTextAsync("ready");
        await console.ClickAsync("#session-controls button:text-is('Stop')");
        await console.ClickAsync("button[data-confirm='yes']");
        await Expect(console.Locator("#session-state")).ToHaveTextAsync("stopped", new() { Timeout = 60_000 });
    }

    [Fact]
    public async Task The_open_redirect_payload_lands_on_the_consoles_home_after_signing_in()
    {
        const string password = "rosa's password, long enough";
        using (var answer = await Server.PostAsync("api/users", new AddUserRequest("rosa", LifeboatRoles.Viewer, password), ContractsJsonContext.Default.AddUserRequest))
            Assert.Equal(HttpStatusCode.Created, answer.StatusCode);
        var page = await (await Browser.NewContextAsync()).NewPageAsync();
        await page.GotoAsync("login?ReturnUrl=%2F%09%2Fevil.example");
        await page.FillAsync("input[name=username]", "rosa");
        await page.FillAsync("input[name=password]", password);
        await page.ClickAsync("button[type=submit]");
        await ConsoleBrowser.WaitConnectedAsync(page);
        Assert.Equal(BaseAddress.ToString(), page.Url);
    }

    [Fact]
    public async Task A_removed_admins_open_users_page_cannot_add_a_user()
    {
        var page = await Browser.LogInAsync(Server, "adele", LifeboatRoles.Admin, await Browser.NewContextAsync());
        await ConsoleBrowser.OpenAsync(page, "users");
        using (var removed = await Server.Http.DeleteAsync("api/users/adele"))
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);

        await page.FillAsync("#user-name", "mallory");
        await page.SelectOptionAsync("#user-role", LifeboatRoles.Admin);
        await page.ClickAsync("#user-add");
        await Expect(page.Locator("main .error")).ToHaveTextAsync(ConsoleActions.SessionEnded);
        await ConsoleBrowser.ScreenshotAsync(page, "removed-admin", "add-refused");
        var users = (await Server.Http.GetFromJsonAsync("api/users", ContractsJsonContext.Default.ListUserView))!;
        Assert.DoesNotContain(users, u => u.Name == "mallory");
        var audit = (await Server.Http.GetFromJsonAsync("api/audit?who=adele&action=user.add", ContractsJsonContext.Default.ListAuditEntry))!;
        Assert.Equal("denied: the browser session has ended", Assert.Single(audit).Outcome);
    }

    [Fact]
    public async Task A_session_cookie_copied_before_signing_out_is_refused_after_it()
    {
        var context = await Browser.NewContextAsync();
        var page = await Browser.LogInAsync(Server, "cora", LifeboatRoles.Operator, context);
        var cookie = Assert.Single(await context.CookiesAsync(), c => c.Name == LifeboatAuthentication.CookieName);
        using var copy = new HttpClient { BaseAddress = BaseAddress };
        copy.DefaultRequestHeaders.Add("Cookie", $"{cookie.Name}={cookie.Value}");
        using (var before = await copy.GetAsync("api/me"))
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);

        await page.ClickAsync("#sign-out");
        await page.WaitForURLAsync("**/login");
        using var after = await copy.GetAsync("api/me");
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public async Task Every_page_file_and_answer_forbids_framing()
    {
        var anonymous = await (await Browser.NewContextAsync()).NewPageAsync();
        var admin = await Browser.LogInAsync(Server, "fran", LifeboatRoles.Admin, await Browser.NewContextAsync());
        var pages = new (IPage Page, string Path)[]
        {
            (anonymous, "login"), (anonymous, "login"), (anonymous, "login.css"), (anonymous, "health"), (anonymous, "sessions"),
            (admin, ""), (admin, "sessions"), (admin, "recover"), (admin, "vms"), (admin, "repositories"), (admin, "jobs"), (admin, "audit"),
            (admin, "users"), (admin, "tokens"), (admin, "account/password"), (admin, "no/such/page"), (admin, "login"), (admin, "api/me"),
            (admin, "api/no/such/thing"), (admin, "_framework/blazor.web.js"),
        };
        foreach (var (page, path) in pages)
        {
            var answer = await page.GotoAsync(path);
            var headers = await answer!.AllHeadersAsync();
            Assert.True(headers.GetValueOrDefault("x-frame-options") == "DENY" && headers.GetValueOrDefault("content-security-policy") == "frame-ancestors 'none'",
                $"/{path} ({answer.Status}) answers X-Frame-Options '{headers.GetValueOrDefault("x-frame-options")}', Content-Security-Policy '{headers.GetValueOrDefault("content-security-policy")}'.");
        }
    }
}
