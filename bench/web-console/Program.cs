using System.Diagnostics;
using System.Globalization;
using System.Text;
using Lifeboat.Server;
using Lifeboat.Server.Api;
using Lifeboat.Server.Contracts.Security;
using Lifeboat.Server.Contracts.Sessions;
using Lifeboat.Server.Sessions;
using Lifeboat.Server.Tests.Support;
using Microsoft.Playwright;

// usage: WebConsoleBench GUEST_DIR WORK_DIR OUTPUT.md [--sessions 50] [--runs 5] [--hold-seconds 30]
if (args.Length < 3)
{
    Console.Error.WriteLine("usage: WebConsoleBench GUEST_DIR WORK_DIR OUTPUT.md [--sessions 50] [--runs 5] [--hold-seconds 30]");
    return 2;
}

var (guestDir, work, output) = (args[0], args[1], args[2]);
var sessions = Option("--sessions", 50);
var runs = Option("--runs", 5);
var holdSeconds = Option("--hold-seconds", 30);
const string Chromium = "/usr/bin/chromium";

await using var server = await ServerProcess.StartAsync(Path.Combine(work, "data"), "--nfs-port", "0", "--nbd-port", "0");
var http = server.Http;
const string password = "bench-operator-password";
(await server.PostAsync("api/users", new AddUserRequest("bench", LifeboatRoles.Operator, password), Lifeboat.Server.Contracts.ContractsJsonContext.Default.AddUserRequest)).EnsureSuccessStatusCode();
await server.BackupAsync("guest", Path.Combine(guestDir, "guest.raw"), Path.Combine(guestDir, "guest.json"));

// The history: sessions recovered (not powered on) and stopped through the REST API, into the server's own store.
Console.Error.WriteLine($"seeding {sessions} sessions…");
for (var i = 0; i < sessions; i++)
    await StopAsync(server, await StartIdleAsync(server));

// The running session the console watches: the test guest booted over NBD, ticking every second.
var running = (await server.RecoverAsync(new RecoveryRequest
{
    Vm = "guest",
    Protocol = DiskProtocols.Nbd,
    ReadyWhen = "console:LIFEBOAT-GUEST-BOOTED",
    FirmwareConfig = new Dictionary<string, string> { ["opt/lifeboat/mode"] = "write,stay" },
})).Id;
await server.WaitAsync(running, s => s.State != SessionState.Starting, TimeSpan.FromMinutes(3));
var rssIdle = Rss(server.ProcessId);

Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
using var playwright = await Playwright.CreateAsync();
await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
{
    ExecutablePath = Chromium,
    Headless = true,
    Args = Environment.UserName == "root" ? ["--no-sandbox"] : [],
});
await using var context = await browser.NewContextAsync(new BrowserNewContextOptions
{
    BaseURL = http.BaseAddress!.ToString(),
    ViewportSize = new ViewportSize { Width = 1366, Height = 768 },
});
var login = await context.NewPageAsync();
await login.GotoAsync("login");
await login.FillAsync("input[name=username]", "bench");
await login.FillAsync("input[name=password]", password);
await login.ClickAsync("button[type=submit]");
await WaitConnectedAsync(login);
await login.CloseAsync();

var listLoad = new List<double>();
var listDrawn = new List<double>();
var listUpdate = new List<double>();
var sessionLoad = new List<double>();
var sessionUpdate = new List<double>();
for (var run = 0; run < runs; run++)
{
    // Page load: from asking for /sessions to the page running on its circuit, its table of every session drawn.
    var page = await context.NewPageAsync();
    var clock = Stopwatch.StartNew();
    await page.GotoAsync("sessions");
    await WaitConnectedAsync(page);
    listLoad.Add(clock.Elapsed.TotalMilliseconds);
    listDrawn.Add(await page.EvaluateAsync<double>("() => performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"));
    var rows = await page.Locator("#sessions tbody tr").CountAsync();
    if (rows < sessions)
        throw new InvalidOperationException($"The sessions page shows {rows} sessions, not the {sessions}+ of the history.");

    // First live update: a session started over REST appears in the open page, no reload.
    clock.Restart();
    var added = await StartIdleAsync(server, waitReady: false);
    await page.Locator($"tr[data-session='{added}']").WaitForAsync();
    listUpdate.Add(clock.Elapsed.TotalMilliseconds);
    await server.WaitAsync(added, s => s.State != SessionState.Starting, TimeSpan.FromMinutes(1));

    // The session page of the running guest: loaded with its steps and its serial console.
    clock.Restart();
    await page.GotoAsync($"sessions/{running}");
    await WaitConnectedAsync(page);
    await page.Locator("#serial-console", new() { HasText = "LIFEBOAT-GUEST-BOOTED" }).WaitForAsync();
    sessionLoad.Add(clock.Elapsed.TotalMilliseconds);

    // First live update on a session's page: a stop asked over REST shows as the session's new state.
    await page.GotoAsync($"sessions/{added}");
    await WaitConnectedAsync(page);
    await page.Locator("#session-state", new() { HasText = "ready" }).WaitForAsync();
    clock.Restart();
    (await http.PostAsync($"api/sessions/{added}/stop", null)).EnsureSuccessStatusCode();
    await page.Locator("#session-state", new() { HasTextRegex = new System.Text.RegularExpressions.Regex("^(stopping|stopped)$") }).WaitForAsync();
    sessionUpdate.Add(clock.Elapsed.TotalMilliseconds);
    await server.WaitForEndAsync(added, TimeSpan.FromMinutes(1));
    await page.CloseAsync();
}

// Memory: the console open on the running session for a while, its serial console growing every second.
var watcher = await context.NewPageAsync();
await watcher.GotoAsync($"sessions/{running}");
await WaitConnectedAsync(watcher);
var rssOpen = new List<long>();
for (var second = 0; second < holdSeconds; second++)
{
    await Task.Delay(1000);
    rssOpen.Add(Rss(server.ProcessId));
}

var ticks = await watcher.Locator("#serial-console").InnerTextAsync();
var ticksShown = ticks.Split('\n').Count(l => l.Contains("LIFEBOAT-GUEST-TICK", StringComparison.Ordinal));
await watcher.CloseAsync();
await StopAsync(server, running);

var report = new StringBuilder();
report.AppendLine(CultureInfo.InvariantCulture, $"# Web console: page load, first live update, server memory ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)");
report.AppendLine();
report.AppendLine(CultureInfo.InvariantCulture, $"`bench/web-console/run.sh --sessions {sessions} --runs {runs} --hold-seconds {holdSeconds}` on this machine ({Environment.ProcessorCount} cores, shared), headless Debian chromium at 1366x768 through Playwright, `lifeboat-server` from its build output (Production). {sessions} sessions in the history (recovered and stopped over REST) and the running one when the first page loads, one more each run; the running session is the test guest booted over NBD under TCG.");
report.AppendLine();
report.AppendLine("| what | median | min | max | runs |");
report.AppendLine("| --- | ---: | ---: | ---: | ---: |");
Row(report, "sessions page drawn (request to DOMContentLoaded: the prerendered table of every session)", listDrawn);
Row(report, "sessions page load (request to page live on its circuit, every session drawn)", listLoad);
Row(report, "sessions page: first live update (session started over REST to its row in the open page)", listUpdate);
Row(report, "session page load (request to live page with steps and serial console text)", sessionLoad);
Row(report, "session page: first live update (stop over REST to the new state in the open page)", sessionUpdate);
report.AppendLine();
report.AppendLine("| server memory (VmRSS) | MiB |");
report.AppendLine("| --- | ---: |");
report.AppendLine(CultureInfo.InvariantCulture, $"| one guest running, no browser | {Mib(rssIdle)} |");
report.AppendLine(CultureInfo.InvariantCulture, $"| console open on the running session, after {holdSeconds} s (max over the hold) | {Mib(rssOpen[^1])} ({Mib(rssOpen.Max())}) |");
report.AppendLine();
report.AppendLine(CultureInfo.InvariantCulture, $"The open page showed {ticksShown} ticks of the guest's serial console at the end of the hold.");
await File.WriteAllTextAsync(output, report.ToString());
Console.Write(report);
return 0;


int Option(string name, int fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length && int.TryParse(args[at + 1], CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;
}

static async Task<string> StartIdleAsync(ServerProcess server, bool waitReady = true)
{
    var id = (await server.RecoverAsync(new RecoveryRequest { Vm = "guest", PowerOn = false })).Id;
    if (waitReady)
        await server.WaitAsync(id, s => s.State != SessionState.Starting, TimeSpan.FromMinutes(1));
    return id;
}

static async Task StopAsync(ServerProcess server, string id)
{
    (await server.Http.PostAsync($"api/sessions/{id}/stop", null)).EnsureSuccessStatusCode();
    await server.WaitForEndAsync(id, TimeSpan.FromMinutes(1));
}

static Task WaitConnectedAsync(IPage page) => page.Locator("main[data-connected='true']").WaitForAsync();

static long Rss(int pid)
{
    var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
    return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
}

static string Mib(long bytes) => (bytes / 1048576.0).ToString("0", CultureInfo.InvariantCulture);

static void Row(StringBuilder report, string what, List<double> ms)
{
    var sorted = ms.Order().ToList();
    report.AppendLine(CultureInfo.InvariantCulture,
        $"| {what} | {sorted[sorted.Count / 2]:0} ms | {sorted[0]:0} ms | {sorted[^1]:0} ms | {sorted.Count} |");
}
