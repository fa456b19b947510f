using System.Net;
using System.Net.Http.Json;
using Lifeboat.Repository;
using Lifeboat.Server.Contracts.Jobs;
using Lifeboat.Server.Tests.Support;

namespace Lifeboat.Server.Tests;

/// <summary>Backup jobs of a real server, through the `lifeboat` CLI and the REST API, across a kill -9.</summary>
[Collection(GuestCollection.Name)]
public sealed class JobServerTests
{
    [Fact]
    public async Task A_job_is_added_run_listed_and_removed_over_the_CLI_and_REST_and_survives_kill_9()
    {
        using var folder = new TestFolder();
        var disk = TestDisk.Create(folder.Combine("disk0.raw"), 4, seed: 11);
        // The server runs in New York's time: "daily 02:00" is 02:00 there, and every time shown says its zone.
        const string NewYork = "America/New_York";
        await using var server = await ServerProcess.StartInZoneAsync(folder.Combine("data"), NewYork);
        var cli = new JobCli(server);

        var refused = cli.Run("job", "add", "nightly", "--vm", "vm1", "--disk", disk, "--schedule", "hourly", "--keep-last", "2");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("Schedule 'hourly' is not \"daily HH:MM\"", refused.Stderr, StringComparison.Ordinal);
        var noSource = cli.Run("job", "add", "nightly", "--vm", "vm1", "--schedule", "daily 02:00", "--keep-last", "2");
        Assert.Contains("Give the VM's source once", noSource.Stderr, StringComparison.Ordinal);

        var added = cli.RunJson(ContractsJsonContext.Default.JobView,
            "job", "add", "nightly", "--vm", "vm1", "--disk", disk, "--schedule", "daily 02:00", "--keep-last", "2", "--retries", "1");
        Assert.Equal(("daily 02:00", 2, 1, server.RepositoryPath), (added.Spec.Schedule, added.Spec.KeepLast, added.Spec.Retries, added.Spec.Repository));
        Assert.Equal([disk], added.Spec.Source.DiskPaths);
        Assert.True(added.NextRunAt > DateTimeOffset.UtcNow && added.NextRunAt <= DateTimeOffset.UtcNow.AddDays(1));
        Assert.Null(added.LastRun);
        Assert.Equal(NewYork, added.ScheduleZone);
        var newYork = TimeZoneInfo.FindSystemTimeZoneById(NewYork);
        Assert.Equal(new TimeSpan(2, 0, 0), TimeZoneInfo.ConvertTime(added.NextRunAt, newYork).TimeOfDay);
        var inNewYork = cli.RunInZone(NewYork, "jobs").ShouldSucceed().Stdout;
        Assert.Contains($"daily 02:00 {NewYork}", inNewYork, StringComparison.Ordinal);
        Assert.Matches(@"\d{4}-\d{2}-\d{2} 02:00 UTC-0[45]:00", inNewYork);

        for (var run = 1; run <= 3; run++)
        {
            TestDisk.Change(disk, seed: 20 + run);
            var ended = cli.RunJson(ContractsJsonContext.Default.JobRunView, "job", "run", "nightly");
            Assert.True(ended.Outcome == JobRunOutcome.Succeeded, ended.Error);
            Assert.Equal((JobRunTrigger.Manual, 4L << 20, "at-rest"), (ended.Trigger, ended.BytesRead, ended.Consistency));
        }

        var text = cli.Run("job", "run", "nightly").ShouldSucceed();
        Assert.Contains("succeeded: restore point", text.Stdout, StringComparison.Ordinal);
        using (var repository = BackupRepository.Open(server.RepositoryPath, password: null))
            Assert.Equal(2, repository.ListRestorePoints("vm1").Count);

        var table = cli.Run("jobs").ShouldSucceed().Stdout;
        Assert.Contains("nightly", table, StringComparison.Ordinal);
        Assert.Contains("daily 02:00", table, StringComparison.Ordinal);
        Assert.Contains("succeeded", table, StringComparison.Ordinal);
        var history = cli.Run("job", "history", "nightly").ShouldSucceed().Stdout;
        Assert.Contains("at-rest", history, StringComparison.Ordinal);
        Assert.Contains("kept the newest 2", history, StringComparison.Ordinal);
        var runs = cli.RunJson(ContractsJsonContext.Default.ListJobRunView, "job", "history", "nightly");
        Assert.Equal(4, runs.Count);

        // In an 80-column terminal no id or time is broken across lines: columns that do not fit are left out, and said.
        var narrowJobs = cli.RunInColumns(80, "jobs").ShouldSucceed().Stdout;
        var narrowHistory = cli.RunInColumns(80, "job", "history", "nightly").ShouldSucceed().Stdout;
        var narrowAudit = cli.RunInColumns(80, "audit").ShouldSucceed().Stdout;
        foreach (var narrow in new[] { narrowJobs, narrowHistory, narrowAudit })
            Assert.All(narrow.Split('\n'), line => Assert.True(line.Length <= 80, $"A line of {line.Length} characters:\n{narrow}"));
        Assert.All(runs, run => Assert.Contains($"{run.Id} #{run.Attempt}", narrowHistory, StringComparison.Ordinal));
        Assert.Matches(@"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", narrowJobs);
        Assert.Matches(@"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", narrowHistory);
        Assert.Contains("Not shown at 80 columns:", narrowHistory, StringComparison.Ordinal);

        // The same over REST, and in the OpenAPI document.
        var viaRest = await server.Http.GetFromJsonAsync("api/jobs/nightly", ContractsJsonContext.Default.JobView);
        Assert.Equal(runs[0].Id, viaRest!.LastRun!.Id);
        Assert.Equal(runs.Select(r => r.Id), (await server.Http.GetFromJsonAsync("api/jobs/nightly/history", ContractsJsonContext.Default.ListJobRunView))!.Select(r => r.Id));
        using (var missing = await server.Http.PostAsync("api/jobs/nope/run", null))
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using (var duplicate = await server.Http.PostAsJsonAsync("api/jobs", added.Spec, ContractsJsonContext.Default.JobSpec))
            Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        var openApi = await server.Http.GetStringAsync("openapi/v1.json");
        foreach (var path in new[] { "/api/jobs", "/api/jobs/{name}", "/api/jobs/{name}/run", "/api/jobs/{name}/history" })
            Assert.Contains($"\"{path}\"", openApi, StringComparison.Ordinal);

        await server.KillAsync();
        await server.StartAgainAsync();
        var afterRestart = cli.RunJson(ContractsJsonContext.Default.ListJobView, "jobs");
        var job = Assert.Single(afterRestart);
        Assert.Equal(
            System.Text.Json.JsonSerializer.Serialize(added.Spec, ContractsJsonContext.Default.JobSpec),
            System.Text.Json.JsonSerializer.Serialize(job.Spec, ContractsJsonContext.Default.JobSpec));
        Assert.Equal(added.NextRunAt, job.NextRunAt);
        Assert.Equal(runs, cli.RunJson(ContractsJsonContext.Default.ListJobRunView, "job", "history", "nightly"));

        // A source that is gone fails the run, says why, and plans the retry.
        File.Delete(disk);
        var failed = cli.Run("job", "run", "nightly", "--json");
        Assert.Equal(1, failed.ExitCode);
        var failure = System.Text.Json.JsonSerializer.Deserialize(failed.Stdout, ContractsJsonContext.Default.JobRunView)!;
        Assert.Equal(JobRunOutcome.Failed, failure.Outcome);
        Assert.Contains(disk, failure.Error, StringComparison.Ordinal);
        Assert.NotNull(failure.RetryAt);

        cli.Run("job", "remove", "nightly").ShouldSucceed();
        Assert.Empty(cli.RunJson(ContractsJsonContext.Default.ListJobView, "jobs"));
        Assert.Contains("There is no job nightly", cli.Run("job", "history", "nightly").Stderr, StringComparison.Ordinal);
        using (var repository = BackupRepository.Open(server.RepositoryPath, password: null))
            Assert.Equal(2, repository.ListRestorePoints("vm1").Count);
    }
}
