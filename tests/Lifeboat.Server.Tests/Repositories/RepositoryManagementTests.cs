using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Lifeboat.Repository;
using Lifeboat.Server.Contracts.Jobs;
using Lifeboat.Server.Contracts.Repositories;
using Lifeboat.Server.Contracts.Security;
using Lifeboat.Server.Sessions;
using Lifeboat.Server.Tests.Support;
using Lifeboat.Server.Tests.WebConsole;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Lifeboat.Server.Tests.Repositories;

/// <summary>
/// One server: repositories added, listed, checked and unregistered through the `lifeboat` CLI (refused for the default
/// one, one a job backs up to and one a session publishes from), their usage sampled after each job run, everything in
/// the audit log; then in a real browser an admin adds, checks and unregisters one, a job's page charts its runs and a
/// repository's page its samples, and a viewer sees no action.
/// </summary>
[Collection(GuestCollection.Name)]
public sealed class RepositoryManagementTests
{
    private static readonly TimeSpan WaitTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Repositories_are_added_checked_and_unregistered_over_the_CLI_and_the_console_and_their_history_is_charted()
    {
        const string test = "repositories";
        using var folder = new TestFolder();
        var other = folder.Combine("other-repository");
        var disk = TestDisk.Create(folder.Combine("disk0.raw"), 2, seed: 3);
        using (var repository = BackupRepository.Init(other, new RepositoryOptions(), password: null))
            await repository.BackupAsync(new BackupRequest("elsewhere", [disk]));
        var jobRepository = folder.Combine("job-repository");
        using (BackupRepository.Init(jobRepository, new RepositoryOptions(), password: null))
        {
        }

        await using var server = await ServerProcess.StartAsync(folder.Combine("data"));
        var cli = new JobCli(server);

        // Added and listed: at 80 columns no folder breaks across lines.
        Assert.Contains("1 restore point(s) of 1 VM(s)", cli.Run("repo", "add", other).ShouldSucceed().Stdout, StringComparison.Ordinal);
        var listed = cli.RunJson(ContractsJsonContext.Default.ListRepositoryView, "repo", "list");
        Assert.Equal([server.RepositoryPath, other], listed.Select(r => r.Path));
        var added = listed[1];
        Assert.Equal((false, false, 1, 1, 2L << 20), (added.IsDefault, added.Encrypted!.Value, added.Vms, added.RestorePoints, added.LogicalBytes));
        Assert.True(added.StoredBytes > 0 && added.FileSystemFreeBytes > 0 && added.FileSystemUsedBytes > 0 && added.Problem is null, added.ToString());
        var table = cli.RunInColumns(80, "repo", "list").ShouldSucceed().Stdout;
        Assert.Contains(other, table, StringComparison.Ordinal);
        Assert.Contains(server.RepositoryPath, table, StringComparison.Ordinal);

        var check = cli.Run("repo", "check", other).ShouldSucceed().Stdout;
        Assert.Contains("OK", check, StringComparison.Ordinal);
        Assert.Contains("1 restore point(s)", check, StringComparison.Ordinal);

        // The default repository and one a job backs up to stay registered, each with a sentence that says why and the fix.
        var refusedDefault = cli.Run("repo", "unregister", server.RepositoryPath);
        Assert.Equal(1, refusedDefault.ExitCode);
        Assert.Contains("is the server's own repository", refusedDefault.Stderr, StringComparison.Ordinal);
        cli.Run("job", "add", "nightly", "--vm", "vm1", "--disk", disk, "--schedule", "daily 02:00", "--keep-last", "5", "--repo", jobRepository).ShouldSucceed();
        var refusedJob = cli.Run("repo", "unregister", jobRepository);
        Assert.Equal(1, refusedJob.ExitCode);
        Assert.Contains($"Job nightly backs up to {jobRepository}; remove the job", refusedJob.Stderr, StringComparison.Ordinal);

        // Three runs that succeed and one that fails (its disk is gone): a usage sample after each.
        for (var run = 1; run <= 3; run++)
        {
            TestDisk.Change(disk, seed: 30 + run);
            Assert.Equal(JobRunOutcome.Succeeded, cli.RunJson(ContractsJsonContext.Default.JobRunView, "job", "run", "nightly").Outcome);
        }

        File.Move(disk, disk + ".away");
        Assert.NotEqual(0, cli.Run("job", "run", "nightly").ExitCode);
        File.Move(disk + ".away", disk);
        var samples = await WaitForSamplesAsync(server, jobRepository, 4);
        Assert.Equal([1, 2, 3, 3], samples.Select(s => s.RestorePoints));
        Assert.Equal(3 * (2L << 20), samples[^1].LogicalBytes);
        Assert.True(samples[^1].DedupFactor > 1, $"dedup {samples[^1].DedupFactor}");

        // A pack gone: the quick check names the restore points that miss chunks and exits 3.
        var pack = Directory.EnumerateFiles(Path.Combine(jobRepository, "packs"), "*", SearchOption.AllDirectories).First();
        File.Move(pack, pack + ".away");
        var damaged = cli.Run("repo", "check", jobRepository);
        Assert.Equal(3, damaged.ExitCode);
        Assert.Contains("misses", damaged.Stdout, StringComparison.Ordinal);
        File.Move(pack + ".away", pack);

        // A byte changed inside a pack: the quick check cannot see it, --deep reads every chunk and finds it.
        Assert.Contains("every chunk read and checked", cli.Run("repo", "check", jobRepository, "--deep").ShouldSucceed().Stdout, StringComparison.Ordinal);
        var original = FlipByte(pack, new FileInfo(pack).Length / 2);
        cli.Run("repo", "check", jobRepository).ShouldSucceed();
        var deep = cli.Run("repo", "check", jobRepository, "--deep");
        Assert.Equal(3, deep.ExitCode);
        Assert.Contains("1 damaged chunk(s)", deep.Stdout, StringComparison.Ordinal);
        FlipByte(pack, new FileInfo(pack).Length / 2, original);

        // A session publishing from a repository holds it registered until it ends (over NBD, never powered on: ready at once).
        var session = await server.RecoverAsync(new RecoveryRequest { Vm = "elsewhere", PowerOn = false, Protocol = "nbd" });
        var ready = await server.WaitAsync(session.Id, s => s.State != SessionState.Starting, TimeSpan.FromMinutes(1));
        Assert.True(ready.State == SessionState.Ready, $"The session is {ready.State}: {ready.Error}");
        var refusedSession = cli.Run("repo", "unregister", other);
        Assert.Equal(1, refusedSession.ExitCode);
        Assert.Contains($"Session {session.Id} (elsewhere) publishes from {other}; stop it", refusedSession.Stderr, StringComparison.Ordinal);
        using (var stop = await server.Http.PostAsync($"api/sessions/{session.Id}/stop", null))
            stop.EnsureSuccessStatusCode();
        Assert.Equal(SessionState.Stopped, (await server.WaitForEndAsync(session.Id, TimeSpan.FromMinutes(1))).State);

        var unregistered = cli.Run("repo", "unregister", other).ShouldSucceed().Stdout;
        Assert.Contains("its files stay", unregistered, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(other, "config")) || Directory.EnumerateFileSystemEntries(other).Any());
        Assert.DoesNotContain(other, cli.RunJson(ContractsJsonContext.Default.ListRepositoryView, "repo", "list").Select(r => r.Path));
        Assert.Contains("No repository is registered at", cli.Run("repo", "unregister", other).Stderr, StringComparison.Ordinal);
        using (var history = await server.Http.GetAsync($"api/repositories/history?path={Uri.EscapeDataString(other)}"))
            Assert.Equal(HttpStatusCode.NotFound, history.StatusCode);

        var audit = (await server.Http.GetFromJsonAsync("api/audit?limit=200", ContractsJsonContext.Default.ListAuditEntry))!;
        Assert.Contains(audit, a => a is { Action: "repository.add", Outcome: "ok" } && a.Target == other);
        Assert.Contains(audit, a => a is { Action: "repository.check", Outcome: "ok" } && a.Target == other);
        Assert.Contains(audit, a => a.Action == "repository.unregister" && a.Target == jobRepository && a.Outcome.StartsWith("refused 409: Job nightly", StringComparison.Ordinal));
        Assert.Contains(audit, a => a is { Action: "repository.unregister", Outcome: "ok" } && a.Target == other);

        await InTheConsoleAsync(test, server, other, jobRepository, samples.Count);
    }

    private static async Task InTheConsoleAsync(string test, ServerProcess server, string other, string jobRepository, int samples)
    {
        await using var browser = await ConsoleBrowser.StartAsync(server.Http.BaseAddress!);
        var admin = await browser.LogInAsync(server, "ada", LifeboatRoles.Admin);
        await ConsoleBrowser.OpenAsync(admin, "repositories");
        await admin.FillAsync("#repository-path", folderThatIsNot(other));
        await admin.ClickAsync("#repository-add");
        await Expect(admin.Locator("[data-field-error='folder']")).ToContainTextAsync("cannot be registered");
        await admin.FillAsync("#repository-path", other);
        await admin.ClickAsync("#repository-add");
        await Expect(admin.Locator("#repository-outcome")).ToContainTextAsync($"Registered {other}: 1 restore point(s) of 1 VM(s)");
        var row = admin.Locator($"tr[data-repository='{other}']");
        await Expect(row).ToContainTextAsync("2.0 MiB");
        await row.Locator("button[data-action='repository-check']").ClickAsync();
        await Expect(admin.Locator("#repository-outcome")).ToContainTextAsync($"{other} is sound: 1 restore point(s)");
        await Expect(admin.Locator($"tr[data-repository='{server.RepositoryPath}'] [data-action='repository-unregister']")).ToHaveCountAsync(0);
        await ConsoleBrowser.ScreenshotAsync(admin, test, "1-added-and-checked");

        await admin.Locator($"tr[data-repository='{jobRepository}'] [data-action='repository-unregister'] button").ClickAsync();
        await Expect(admin.Locator(".confirm")).ToContainTextAsync("Its files stay where they are.");
        await admin.ClickAsync("button[data-confirm='yes']");
        await Expect(admin.Locator("#repository-error")).ToContainTextAsync("Job nightly backs up to");
        await row.Locator("[data-action='repository-unregister'] button").ClickAsync();
        await admin.ClickAsync("button[data-confirm='yes']");
        await Expect(admin.Locator("#repository-outcome")).ToContainTextAsync($"{other} is unregistered; its files stay where they are.");
        await Expect(row).ToHaveCountAsync(0);
        await ConsoleBrowser.ScreenshotAsync(admin, test, "2-unregistered");

        // The job's page: a circle per run in each series, the failed one red.
        await ConsoleBrowser.OpenAsync(admin, "jobs/nightly");
        var duration = admin.Locator("#job-duration-chart circle[data-run]");
        await Expect(duration).ToHaveCountAsync(4);
        await Expect(admin.Locator("#job-duration-chart circle[data-failed='yes']")).ToHaveCountAsync(1);
        await Expect(admin.Locator("#job-bytes-chart circle[data-series='read']")).ToHaveCountAsync(4);
        await Expect(admin.Locator("#job-bytes-chart circle[data-series='stored']")).ToHaveCountAsync(4);
        await Expect(admin.Locator("#job-duration-chart text[data-axis='last']")).ToContainTextAsync("UTC");
        await ConsoleBrowser.ScreenshotAsync(admin, test, "3-job-charts");

        // The repository's page, reached from the list: a circle per sample.
        await ConsoleBrowser.OpenAsync(admin, "repositories");
        await admin.Locator($"tr[data-repository='{jobRepository}'] a").ClickAsync();
        await Expect(admin.Locator("#repository-usage-chart circle[data-series='stored']")).ToHaveCountAsync(samples);
        await Expect(admin.Locator("#repository-dedup-chart circle[data-sample]")).ToHaveCountAsync(samples);
        await ConsoleBrowser.ScreenshotAsync(admin, test, "4-repository-usage");

        var viewer = await browser.LogInAsync(server, "vera", LifeboatRoles.Viewer, await browser.NewContextAsync());
        await ConsoleBrowser.OpenAsync(viewer, "repositories");
        await Expect(viewer.Locator($"tr[data-repository='{jobRepository}']")).ToHaveCountAsync(1);
        await Expect(viewer.Locator("[data-action]")).ToHaveCountAsync(0);
        await ConsoleBrowser.ScreenshotAsync(viewer, test, "5-viewer");

        static string folderThatIsNot(string path) => path + "-missing";
    }

    /// <summary>Writes <paramref name="value"/> (default: the byte inverted) at <paramref name="offset"/>; returns the byte that was there.</summary>
    private static byte FlipByte(string file, long offset, byte? value = null)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = offset;
        var original = (byte)stream.ReadByte();
        stream.Position = offset;
        stream.WriteByte(value ?? (byte)~original);
        return original;
    }

    private static async Task<IReadOnlyList<RepositoryUsageSample>> WaitForSamplesAsync(ServerProcess server, string repository, int count)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var samples = (await server.Http.GetFromJsonAsync($"api/repositories/history?path={Uri.EscapeDataString(repository)}", ContractsJsonContext.Default.ListRepositoryUsageSample))!;
            if (samples.Count >= count)
                return samples;
            if (clock.Elapsed > WaitTimeout)
                throw new TimeoutException($"{repository} has {samples.Count} usage samples, not {count}.");
            await Task.Delay(50);
        }
    }
}
