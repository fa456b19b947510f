using Lifeboat.Server.Contracts.Security;
using Lifeboat.Server.Sessions;
using Lifeboat.Server.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Lifeboat.Server.Tests.WebConsole;

/// <summary>
/// A real browser drives the web console of a real server: an instant recovery of the test guest started from the
/// form, its phases arriving live, its serial console read in the page, a live migration and a stop, each confirmed.
/// </summary>
[Collection(GuestCollection.Name)]
public sealed class WebConsoleTests(GuestImage guest)
{
    private static readonly float BootTimeoutMs = (float)Recovery.BootTimeout.TotalMilliseconds;
    private static readonly float MigrationTimeoutMs = (float)TimeSpan.FromMinutes(4).TotalMilliseconds;

    /// <summary>
    /// Records each phase with its result, and the session's state, as the page shows them: first as loaded, then as
    /// they change; a reload would lose the record (and the marker beside it).
    /// </summary>
    private const string WatchPhases = """
        () => {
          window.lifeboatMarker = 'kept';
          const shown = () => [...document.querySelectorAll('#phases tr[data-phase]')]
            .map(r => r.dataset.phase + ':' + r.querySelector('.result').textContent)
            .concat('state:' + document.querySelector('#session-state').textContent);
          window.lifeboatSeen = shown().map(s => s + '@load');
          new MutationObserver(() => {
            for (const s of shown())
              if (!window.lifeboatSeen.some(seen => seen.startsWith(s + '@')))
                window.lifeboatSeen.push(s + '@live');
          }).observe(document.body, { childList: true, subtree: true, characterData: true });
        }
        """;

    [Fact]
    public async Task An_operator_recovers_the_guest_watches_it_boot_live_migrates_it_and_stops_another_session()
    {
        const string test = "operator";
        using var folder = new TestFolder();
        await using var server = await ServerProcess.StartAsync(folder.Combine("data"));
        var backup = await server.BackupAsync("guest", guest.RawDisk, guest.HardwareJson);
        // The other session is never powered on: it is ready at once and costs no CPU.
        var other = await server.RecoverAsync(new RecoveryRequest { Vm = "guest", PowerOn = false });
        await server.WaitAsync(other.Id, s => s.State != SessionState.Starting, TimeSpan.FromMinutes(1));

        await using var browser = await ConsoleBrowser.StartAsync(server.Http.BaseAddress!);
        var page = await browser.LogInAsync(server, "olivia", LifeboatRoles.Operator);
        await ConsoleBrowser.OpenAsync(page, "vms");
        var point = page.Locator($"tr[data-restore-point='{backup.Id}']");
        await Expect(point).ToContainTextAsync("not verified");
        await ConsoleBrowser.ScreenshotAsync(page, test, "1-vms");

        await point.Locator("a.action:text-is('Recover')").ClickAsync();
        await page.WaitForURLAsync("**/recover?**");
        await ConsoleBrowser.WaitConnectedAsync(page);
        await Expect(page.Locator("#recover-point")).ToHaveValueAsync(backup.Id);
        await Expect(page.Locator("#recover-datastores-hint")).ToContainTextAsync($"cache ({folder.Combine("data")}");
        await page.SelectOptionAsync("#recover-ready", "console");
        await page.FillAsync("#recover-ready-text", GuestImage.BootedMarker);
        await page.FillAsync("#recover-fw-cfg", $"{GuestImage.ModeEntry}=write,stay");
        await ConsoleBrowser.ScreenshotAsync(page, test, "2-recover-form");
        await page.ClickAsync("#recover-start");
        await page.WaitForURLAsync("**/sessions/*");
        var sessionId = page.Url[(page.Url.LastIndexOf('/') + 1)..];
        await Expect(page.Locator("h1")).ToContainTextAsync(sessionId);
        await page.EvaluateAsync(WatchPhases);
        Assert.Equal(SessionState.Starting, (await server.GetAsync(sessionId)).State);

        await Expect(page.Locator("#session-state")).ToHaveTextAsync("ready", new() { Timeout = BootTimeoutMs });
        foreach (var phase in new[] { SessionPhase.Initialization, SessionPhase.NfsMapping, SessionPhase.RegisteringAndStarting })
            await Expect(page.Locator($"#phases tr[data-phase='{phase}']")).ToContainTextAsync("ok");
        Assert.Equal("kept", await page.EvaluateAsync<string>("() => window.lifeboatMarker"));
        var seen = await page.EvaluateAsync<string[]>("() => window.lifeboatSeen");
        Assert.Contains("state:starting@load", seen);
        Assert.Contains("state:ready@live", seen);
        Assert.Contains($"{SessionPhase.RegisteringAndStarting}:ok@live", seen);
        var steps = (await server.GetAsync(sessionId)).Steps;
        await Expect(page.Locator("#steps tbody tr")).ToHaveCountAsync(steps.Count);
        foreach (var step in steps)
            await Expect(page.Locator($"#steps tr[data-step='{step.Seq}']")).ToContainTextAsync(step.Name);

        var console = page.Locator("#serial-console");
        await Expect(console).ToContainTextAsync(GuestImage.BootedMarker);
        await Expect(console).ToContainTextAsync(GuestImage.TickMarker, new() { Timeout = BootTimeoutMs });
        Assert.Equal("kept", await page.EvaluateAsync<string>("() => window.lifeboatMarker"));
        await ConsoleBrowser.ScreenshotAsync(page, test, "3-session-ready");

        // The Migrate… field suggests the datastores declared when the page was drawn: here the built-in cache.
        await Expect(page.Locator("#migrate-datastores option").First).ToHaveAttributeAsync("value", new System.Text.RegularExpressions.Regex("^" + System.Text.RegularExpressions.Regex.Escape(folder.Combine("data"))));
        var production = await server.DeclareDatastoreAsync("production", folder.Combine("production"));
        await page.FillAsync("#migrate-target", production);
        await page.ClickAsync("#migrate");
        await Expect(page.Locator(".confirm")).ToContainTextAsync(production);
        await page.ClickAsync("#migrate-confirm");
        await Expect(page.Locator("#session-state")).ToHaveTextAsync("finalized", new() { Timeout = MigrationTimeoutMs });
        await Expect(page.Locator($"#phases tr[data-phase='{SessionPhase.MigratingToProduction}']")).ToContainTextAsync("ok");
        await Expect(page.Locator("#session-controls")).ToHaveCountAsync(0);
        await ConsoleBrowser.ScreenshotAsync(page, test, "4-session-finalized");
        var migrated = await server.GetAsync(sessionId);
        Assert.Equal(SessionState.Finalized, migrated.State);
        var productionDisk = Assert.Single(migrated.ProductionDisks);
        Assert.Equal(production, Path.GetDirectoryName(productionDisk));
        Assert.True(File.Exists(productionDisk));

        await ConsoleBrowser.OpenAsync(page, $"sessions/{other.Id}");
        await Expect(page.Locator("#session-state")).ToHaveTextAsync("ready");
        await page.ClickAsync("#session-controls button:text-is('Stop')");
        await page.ClickAsync("button[data-confirm='yes']");
        await Expect(page.Locator("#session-state")).ToHaveTextAsync("stopped", new() { Timeout = 60_000 });
        await ConsoleBrowser.ScreenshotAsync(page, test, "5-other-stopped");
        Assert.Equal(SessionState.Stopped, (await server.GetAsync(other.Id)).State);

        await ConsoleBrowser.OpenAsync(page, "audit");
        foreach (var (action, target) in new[] { ("session.recover", sessionId), ("session.migrate", sessionId), ("session.stop", other.Id) })
            await Expect(page.Locator("#audit tr", new() { HasText = action }).Filter(new() { HasText = target })).ToContainTextAsync("olivia");
        await ConsoleBrowser.ScreenshotAsync(page, test, "6-audit");
        var audit = await server.Http.GetStringAsync("api/audit?who=olivia");
        Assert.Contains("\"session.stop\"", audit, StringComparison.Ordinal);

        await ConsoleBrowser.OpenAsync(page, "sessions");
        await Expect(page.Locator($"tr[data-session='{sessionId}']")).ToContainTextAsync("finalized");
        await Expect(page.Locator($"tr[data-session='{other.Id}']")).ToContainTextAsync("stopped");
        await ConsoleBrowser.ScreenshotAsync(page, test, "7-sessions");
        Assert.True(await VmRuntimeFolder.KillAsync(migrated.RuntimeDirectory!, CancellationToken.None));
    }

    [Fact]
    public async Task A_viewer_sees_sessions_but_has_no_buttons_and_a_forced_stop_is_refused()
    {
        const string test = "viewer";
        using var folder = new TestFolder();
        await using var server = await ServerProcess.StartAsync(folder.Combine("data"));
        await server.BackupAsync("guest", guest.RawDisk, guest.HardwareJson);
        var session = await server.RecoverAsync(new RecoveryRequest { Vm = "guest", PowerOn = false });
        await server.WaitAsync(session.Id, s => s.State == SessionState.Ready, TimeSpan.FromMinutes(1));

        await using var browser = await ConsoleBrowser.StartAsync(server.Http.BaseAddress!);
        var page = await browser.LogInAsync(server, "victor", LifeboatRoles.Viewer);
        await Expect(page.Locator($"tr[data-session='{session.Id}']")).ToContainTextAsync("ready");
        await ConsoleBrowser.OpenAsync(page, $"sessions/{session.Id}");
        await Expect(page.Locator("#session-state")).ToHaveTextAsync("ready");
        await Expect(page.Locator("#phases tr[data-phase]")).Not.ToHaveCountAsync(0);
        await Expect(page.Locator("#session-controls")).ToHaveCountAsync(0);
        await Expect(page.Locator("button", new() { HasText = "Stop" })).ToHaveCountAsync(0);
        await ConsoleBrowser.ScreenshotAsync(page, test, "1-session-without-buttons");
        await ConsoleBrowser.OpenAsync(page, "recover");
        await Expect(page.Locator("#viewer-note")).ToBeVisibleAsync();
        await Expect(page.Locator("#recover-form")).ToHaveCountAsync(0);
        await ConsoleBrowser.ScreenshotAsync(page, test, "2-no-recovery-form");

        // Forced from the page with the viewer's own cookie: the server refuses, whatever the page shows.
        var status = await page.EvaluateAsync<int>($"async () => (await fetch('api/sessions/{session.Id}/stop', {{ method: 'POST' }})).status");
        Assert.Equal(403, status);
        Assert.Equal(SessionState.Ready, (await server.GetAsync(session.Id)).State);
        await ConsoleBrowser.OpenAsync(page, "audit");
        await Expect(page.Locator("#audit tr", new() { HasText = "session.stop" })).ToContainTextAsync("denied");
        await ConsoleBrowser.ScreenshotAsync(page, test, "3-audit-denied");

        // Signing out (a form post with its antiforgery token) ends the cookie session: the console asks for /login again.
        await page.ClickAsync("#sign-out");
        await page.WaitForURLAsync("**/login");
        await page.GotoAsync("sessions");
        await page.WaitForURLAsync("**/login?**");
        await Recovery.StopCleanlyAsync(server, session.Id);
    }
}
