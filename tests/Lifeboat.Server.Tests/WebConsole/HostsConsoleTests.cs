using System.Net.Http.Json;
using Lifeboat.Server.Contracts.Security;
using Lifeboat.Server.Sessions;
using Lifeboat.Server.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Lifeboat.Server.Tests.WebConsole;

/// <summary>
/// A second libvirt host in a real browser: an admin adds it on the Hosts page (a wrong URI first), an operator
/// recovers the guest onto it over NBD from the Instant recovery page and stops it from the session page, then
/// verifies the restore point there from the VMs page; the host keeps no domain afterwards.
/// </summary>
[Collection(GuestCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class HostsConsoleTests(GuestImage guest)
{
    private static readonly float BootTimeoutMs = (float)Recovery.BootTimeout.TotalMilliseconds;

    [Fact]
    public async Task An_admin_adds_a_libvirt_host_and_an_operator_recovers_stops_and_verifies_the_guest_there()
    {
        const string test = "hosts";
        using var folder = new TestFolder();
        await using var host = await LibvirtTestHost.StartAsync();
        await using var server = await ServerProcess.StartAsync(folder.Combine("data"));
        // The Verify button sends no firmware config: the guest's own /etc/lifeboat/mode keeps it running (the default powers off).
        var backup = await server.BackupAsync("guest", await StayingGuest.CopyAsync(guest, folder), guest.HardwareJson);

        await using var browser = await ConsoleBrowser.StartAsync(server.Http.BaseAddress!);
        var admin = await browser.LogInAsync(server, "ada", LifeboatRoles.Admin, await browser.NewContextAsync());
        await ConsoleBrowser.OpenAsync(admin, "hosts");
        await Expect(admin.Locator("tr[data-host='local']")).ToContainTextAsync("reachable");

        // Nothing listens on port 1 of the host: the sentence stands beside the URI field, and no host is added.
        var wrong = $"qemu+tcp://{host.HostAddress}:1/system";
        await admin.FillAsync("#host-name", "kvm2");
        await admin.FillAsync("#host-connect", wrong);
        await admin.ClickAsync("#host-add");
        var refusal = admin.Locator("[data-field-error='connect']");
        // Adding a host asks its libvirtd (a connection, the driver probe): seconds on a machine at load 20, so not Playwright's 5 s.
        var hostCall = new LocatorAssertionsToContainTextOptions { Timeout = 60_000 };
        await Expect(refusal).ToContainTextAsync(host.HostAddress.ToString(), hostCall);
        await Expect(admin.Locator("tr[data-host='kvm2']")).ToHaveCountAsync(0);
        await ConsoleBrowser.ScreenshotAsync(admin, test, "1-wrong-uri");

        await admin.FillAsync("#host-connect", host.TcpUri);
        await admin.ClickAsync("#host-add");
        await Expect(admin.Locator("#host-outcome")).ToContainTextAsync("Host kvm2 answers", hostCall);
        await Expect(refusal).ToHaveCountAsync(0);
        await Expect(admin.Locator("#hosts tbody tr")).ToHaveCountAsync(2);
        var row = admin.Locator("tr[data-host='kvm2']");
        await Expect(row).ToContainTextAsync(host.TcpUri);
        await Expect(row).ToContainTextAsync("reachable");
        await Expect(row).ToContainTextAsync(new System.Text.RegularExpressions.Regex(@"libvirt \d+\.\d+\.\d+, QEMU \d+\.\d+"));
        await Expect(row).ToContainTextAsync("nfs nbd");
        await Expect(row).ToContainTextAsync(host.LocalAddress.ToString());
        await Expect(row.Locator("td.number").First).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^[1-9]\d*$"));
        await ConsoleBrowser.ScreenshotAsync(admin, test, "2-hosts");

        var page = await browser.LogInAsync(server, "olivia", LifeboatRoles.Operator);
        await ConsoleBrowser.OpenAsync(page, "recover");
        await page.SelectOptionAsync("#recover-host", "kvm2");
        await page.SelectOptionAsync("#recover-protocol", DiskProtocols.Nbd);
        await page.SelectOptionAsync("#recover-ready", "console");
        await page.FillAsync("#recover-ready-text", GuestImage.BootedMarker);
        await ConsoleBrowser.ScreenshotAsync(page, test, "3-recover-form");
        await page.ClickAsync("#recover-start");
        await page.WaitForURLAsync("**/sessions/*");
        var sessionId = page.Url[(page.Url.LastIndexOf('/') + 1)..];
        await Expect(page.Locator("#session-state")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^(ready|failed)$"), new() { Timeout = BootTimeoutMs });
        var recovered = await server.GetAsync(sessionId);
        Assert.True(recovered.State == SessionState.Ready, $"The recovery {recovered.State}: {recovered.Error}{Environment.NewLine}{ServerProcess.Describe(recovered)}");
        await Expect(page.Locator("#serial-console")).ToContainTextAsync(GuestImage.BootedMarker);
        await ConsoleBrowser.ScreenshotAsync(page, test, "4-session-ready");

        var ready = await server.GetAsync(sessionId);
        Assert.Equal("kvm2", ready.Host);
        var publish = Assert.Single(ready.Steps, s => s.Name == "Publish the VM in the datastore");
        Assert.Contains($"nbd://{host.LocalAddress}:", publish.Message, StringComparison.Ordinal);
        var domain = Assert.Single(await DomainsAsync(host, "--name"));
        Assert.Contains(sessionId, await Tools.RunCheckedAsync("virsh", "-c", host.TcpUri, "dumpxml", domain), StringComparison.Ordinal);

        await page.ClickAsync("#session-controls button:text-is('Stop')");
        await page.ClickAsync("button[data-confirm='yes']");
        await Expect(page.Locator("#session-state")).ToHaveTextAsync("stopped", new() { Timeout = 60_000 });
        await ConsoleBrowser.ScreenshotAsync(page, test, "5-stopped");
        Assert.Empty(await DomainsAsync(host, "--all", "--name"));
        await AssertNothingPublishedAsync(server);

        // The VMs page's Verify button boots the restore point on the host chosen above it.
        await ConsoleBrowser.OpenAsync(page, "vms");
        await page.SelectOptionAsync("#verify-host", "kvm2");
        await page.Locator($"tr[data-restore-point='{backup.Id}'] button.verify").ClickAsync();
        await page.WaitForURLAsync("**/sessions/*");
        var verificationId = page.Url[(page.Url.LastIndexOf('/') + 1)..];
        Assert.NotEqual(sessionId, verificationId);
        Assert.Equal("kvm2", (await server.GetAsync(verificationId)).Host);
        await Expect(page.Locator("#session-state")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^(stopped|failed)$"), new() { Timeout = (float)TimeSpan.FromMinutes(5).TotalMilliseconds });
        var ended = await server.GetAsync(verificationId);
        Assert.True(ended.State == SessionState.Stopped, $"The verification {ended.State}: {ended.Error}{Environment.NewLine}{ServerProcess.Describe(ended)}");
        // The ended verification's page shows the guest's screen it kept, and says its disks and cache are gone.
        await Expect(page.Locator("#verification-screenshot")).ToBeVisibleAsync();
        await page.WaitForFunctionAsync("() => document.querySelector('#verification-screenshot').naturalWidth > 0");
        await Expect(page.Locator("#session-disks-gone")).ToContainTextAsync("removed when it ended");
        await ConsoleBrowser.ScreenshotAsync(page, test, "6-verified");
        var verification = await server.Http.GetFromJsonAsync($"api/verifications/{verificationId}", ContractsJsonContext.Default.VerificationView);
        Assert.True(verification?.Outcome?.Passed == true, $"{verification?.Outcome?.Reason}{Environment.NewLine}{ServerProcess.Describe(await server.GetAsync(verificationId))}");
        Assert.Empty(await DomainsAsync(host, "--all", "--name"));
        await AssertNothingPublishedAsync(server);
        await ConsoleBrowser.OpenAsync(page, "vms");
        await Expect(page.Locator($"tr[data-restore-point='{backup.Id}']")).ToContainTextAsync("passed");
    }

    private static async Task<string[]> DomainsAsync(LibvirtTestHost host, params string[] options) =>
        (await Tools.RunCheckedAsync("virsh", ["-c", host.TcpUri, "list", .. options])).Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    private static async Task AssertNothingPublishedAsync(ServerProcess server)
    {
        var info = await server.Http.GetFromJsonAsync("api/server", ContractsJsonContext.Default.ServerInfoView);
        Assert.Equal(0, info!.Publications);
    }
}
