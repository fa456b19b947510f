using System.Text.Json;
using Lifeboat.Server.Api;
using Lifeboat.Server.Contracts.FileRestore;
using Lifeboat.Server.Contracts.Security;
using Lifeboat.Server.Tests.Support;
using Lifeboat.Server.Tests.WebConsole;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Lifeboat.Server.Tests.FileRestore;

/// <summary>
/// Files of a restore point put back into the running, recovered test guest through its real qemu-ga: with the CLI
/// (into a folder, skipped when there, kept both, a folder back in place over what the guest broke) and from the
/// console's Browse files page (list, open folders, download one file, restore one into the VM).
/// </summary>
[Collection(GuestCollection.Name)]
public sealed class RestoreIntoVmTests(RunningRestoreTarget target) : IClassFixture<RunningRestoreTarget>
{
    [Fact]
    public async Task Files_restored_with_the_cli_arrive_with_their_content_owner_and_mode_and_conflicts_follow_the_option()
    {
        var at = $"{RunningRestoreTarget.Vm}@{target.Backup.Id}";
        var written = Restore(0, at, RunningRestoreTarget.FileA, RunningRestoreTarget.FileB, "--to-vm", RunningRestoreTarget.VmName, "--guest-path", "/data/back");
        Assert.Equal(["written", "written"], written.Files.Select(f => f.Outcome));
        Assert.Equal(["/data/back/a.bin", "/data/back/b.txt"], written.Files.Select(f => f.Target));
        Assert.Equal(target.ContentA.Length, written.Files[0].Bytes);
        Assert.Null(written.Files[0].Detail);
        Assert.Equal(target.HashA, await target.GuestHashAsync("/data/back/a.bin"));
        Assert.Equal(target.HashB, await target.GuestHashAsync("/data/back/b.txt"));
        Assert.Equal($"640 1234 2345 {RunningRestoreTarget.ModifiedA.ToUnixTimeSeconds()}",
            (await target.RunInGuestAsync("/bin/stat", "-c", "%a %u %g %Y", "/data/back/a.bin")).Trim());

        // Again without an option: the guest's files stay, ours are skipped, and the exit code says not all were written.
        var skipped = Restore(1, at, RunningRestoreTarget.FileA, "--to-vm", RunningRestoreTarget.VmName, "--guest-path", "/data/back");
        Assert.Equal("skipped", Assert.Single(skipped.Files).Outcome);

        // The guest's b.txt changed since: --keep-both leaves it and writes ours beside it.
        await target.RunInGuestAsync("/bin/sh", "-c", "echo changed in the guest > /data/back/b.txt");
        var both = Restore(0, at, RunningRestoreTarget.FileB, "--to-vm", RunningRestoreTarget.VmName, "--guest-path", "/data/back", "--keep-both");
        var kept = Assert.Single(both.Files);
        Assert.Equal(("keptBoth", $"/data/back/b.txt.restored-{target.Backup.Id[..8]}"), (kept.Outcome, kept.Target));
        Assert.Equal("changed in the guest\n", await target.RunInGuestAsync("/bin/cat", "/data/back/b.txt"));
        Assert.Equal(target.HashB, await target.GuestHashAsync(kept.Target!));
        var again = Assert.Single(Restore(0, at, RunningRestoreTarget.FileB, "--to-vm", RunningRestoreTarget.VmName, "--guest-path", "/data/back", "--keep-both").Files);
        Assert.Equal($"/data/back/b.txt.restored-{target.Backup.Id[..8]}-2", again.Target);

        // The guest breaks its own folder; the folder goes back where it was, by the session's id, over what is there.
        await target.RunInGuestAsync("/bin/sh", "-c", "echo broken > /data/known/a.bin; rm /data/known/b.txt");
        var folder = Restore(0, at, RunningRestoreTarget.FolderKnown, "--to-vm", target.Session.Id, "--overwrite");
        Assert.Equal(["/data/known/a.bin", "/data/known/b.txt", "/data/known"], folder.Files.Select(f => f.Target));
        Assert.All(folder.Files, f => Assert.Equal("written", f.Outcome));
        Assert.Equal(target.HashA, await target.GuestHashAsync("/data/known/a.bin"));
        Assert.Equal(target.HashB, await target.GuestHashAsync("/data/known/b.txt"));

        var nowhere = Cli("files", "restore", at, RunningRestoreTarget.FileA, "--to-vm", "no-such-vm", "--session", target.Files.Id);
        Assert.NotEqual(0, nowhere.ExitCode);
        Assert.Contains("Host local runs no VM named no-such-vm", nowhere.Stderr, StringComparison.Ordinal);
        var both2 = Cli("files", "restore", at, RunningRestoreTarget.FileA, "--to-vm", RunningRestoreTarget.VmName, "--overwrite", "--keep-both", "--session", target.Files.Id);
        Assert.Contains("--overwrite and --keep-both exclude each other", both2.Stderr, StringComparison.Ordinal);

        var audit = await target.Server.Http.GetStringAsync("api/audit?limit=50");
        Assert.Contains($"file-restore session {target.Files.Id}: {RunningRestoreTarget.FileA}, {RunningRestoreTarget.FileB} into VM {RunningRestoreTarget.VmName} on host local in /data/back, conflict skip (2 written", audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_browse_files_page_lists_opens_folders_downloads_a_file_and_restores_one_into_the_vm_and_a_viewer_sees_no_action()
    {
        const string test = "browse-files";
        await using var browser = await ConsoleBrowser.StartAsync(target.Server.Http.BaseAddress!);
        var page = await browser.LogInAsync(target.Server, "otto", LifeboatRoles.Operator);
        await ConsoleBrowser.OpenAsync(page, "vms");
        await page.Locator($"tr[data-restore-point='{target.Backup.Id}'] a.browse-files").ClickAsync();
        await page.WaitForURLAsync("**/files?**");
        await ConsoleBrowser.WaitConnectedAsync(page);

        // The session the fixture opened on this restore point is reused: no second appliance.
        await page.Locator("#file-systems li[data-fs='sda2'] button").ClickAsync();
        await page.Locator("#folder tr[data-name='data'] button.open-folder").ClickAsync();
        await page.Locator("#folder tr[data-name='known'] button.open-folder").ClickAsync();
        await Expect(page.Locator("#folder-path")).ToContainTextAsync("known/");
        await Expect(page.Locator("#folder tbody tr")).ToHaveCountAsync(2);
        await Expect(page.Locator("#folder tr[data-name='a.bin']")).ToContainTextAsync("640");
        await ConsoleBrowser.ScreenshotAsync(page, test, "1-folder");

        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("#folder tr[data-name='a.bin'] a.download-raw").ClickAsync());
        var saved = Path.Combine(Path.GetTempPath(), $"lifeboat-browse-{Guid.NewGuid():N}");
        await download.SaveAsAsync(saved);
        try
        {
            Assert.Equal(target.HashA, RunningRestoreTarget.Hash(await File.ReadAllBytesAsync(saved)));
        }
        finally
        {
            File.Delete(saved);
        }

        await page.Locator("#folder tr[data-name='b.txt'] input.select").CheckAsync();
        await Expect(page.Locator("#selection")).ToContainTextAsync("1 selected");
        await page.FillAsync("#restore-vm", RunningRestoreTarget.VmName);
        await page.FillAsync("#restore-guest-path", "/data/console");
        await page.SelectOptionAsync("#restore-conflict", "keepBoth");
        await page.ClickAsync("#restore-start");
        await Expect(page.Locator("#restore-results tr[data-outcome='written']")).ToContainTextAsync("/data/console/b.txt", new() { Timeout = 120_000 });
        await ConsoleBrowser.ScreenshotAsync(page, test, "2-restored");
        Assert.Equal(target.HashB, await target.GuestHashAsync("/data/console/b.txt"));

        var viewerContext = await browser.NewContextAsync();
        var viewer = await browser.LogInAsync(target.Server, "vera", LifeboatRoles.Viewer, viewerContext);
        await ConsoleBrowser.OpenAsync(viewer, "vms");
        await Expect(viewer.Locator($"tr[data-restore-point='{target.Backup.Id}']")).ToBeVisibleAsync();
        await Expect(viewer.Locator("a.browse-files")).ToHaveCountAsync(0);
        await ConsoleBrowser.OpenAsync(viewer, $"files?vm={RunningRestoreTarget.Vm}&point={target.Backup.Id}");
        await Expect(viewer.Locator("#files-refused")).ToBeVisibleAsync();
        await Expect(viewer.Locator("#files-open, #file-systems, #restore-form")).ToHaveCountAsync(0);
    }

    private RestoreToVmResult Restore(int exitCode, params string[] arguments)
    {
        var result = Cli(["files", "restore", .. arguments, "--session", target.Files.Id, "--json"]);
        Assert.True(result.ExitCode == exitCode, result.ToString());
        return JsonSerializer.Deserialize(result.Stdout, ContractsJsonContext.Default.RestoreToVmResult)
            ?? throw new InvalidDataException("lifeboat files restore printed nothing.");
    }

    private ToolResult Cli(params string[] arguments) => new JobCli(target.Server).Run(arguments);
}
