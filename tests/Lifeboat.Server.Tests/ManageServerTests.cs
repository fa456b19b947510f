using System.Net;
using System.Net.Http.Json;
using Lifeboat.Server.Contracts.Jobs;
using Lifeboat.Server.Contracts.RestorePoints;
using Lifeboat.Server.Contracts.Sessions;
using Lifeboat.Server.Sessions;
using Lifeboat.Server.Tests.Support;

namespace Lifeboat.Server.Tests;

/// <summary>
/// Managing what exists on a real server, over the `lifeboat` CLI and REST: jobs edited, disabled, enabled and run;
/// restore points protected, refused deletion, unprotected and deleted, each audited; a failed recovery started again.
/// Each server has portmap and NFS on ports of its own (no VM boots here).
/// </summary>
public sealed class ManageServerTests
{
    private static readonly TimeSpan SessionTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Jobs_and_restore_points_are_managed_over_the_CLI_and_REST_and_every_change_is_audited()
    {
        using var folder = new TestFolder();
        var disk = TestDisk.Create(folder.Combine("disk0.raw"), 2, seed: 31);
        await using var server = await ServerProcess.StartAsync(folder.Combine("data"), [.. ServerProcess.OwnPorts(), "--nbd-port", "0"]);
        var cli = new JobCli(server);
        cli.Run("job", "add", "nightly", "--vm", "vm1", "--disk", disk, "--schedule", "daily 02:00", "--keep-last", "2", "--retries", "1").ShouldSucceed();

        // Only the settings given change; the next run is computed again from the new schedule.
        var edited = cli.RunJson(ContractsJsonContext.Default.JobView, "job", "edit", "nightly", "--schedule", "every 6h", "--keep-last", "3");
        Assert.Equal(("every 6h", 3, 1, true), (edited.Spec.Schedule, edited.Spec.KeepLast, edited.Spec.Retries, edited.Spec.Enabled));
        Assert.Equal([disk], edited.Spec.Source.DiskPaths);
        Assert.InRange(edited.NextRunAt, DateTimeOffset.UtcNow.AddHours(5), DateTimeOffset.UtcNow.AddHours(6.1));
        Assert.Contains("Give at least one setting to change", cli.Run("job", "edit", "nightly").Stderr, StringComparison.Ordinal);
        using (var renamed = await server.Http.PutAsJsonAsync("api/jobs/nightly", edited.Spec with { Name = "other" }, ContractsJsonContext.Default.JobSpec))
            Assert.Equal(HttpStatusCode.BadRequest, renamed.StatusCode);
        using (var missing = await server.Http.PutAsJsonAsync("api/jobs/nope", edited.Spec with { Name = "nope" }, ContractsJsonContext.Default.JobSpec))
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        var disabled = cli.RunJson(ContractsJsonContext.Default.JobView, "job", "disable", "nightly");
        Assert.False(disabled.Spec.Enabled);
        Assert.Contains("disabled", cli.Run("jobs").ShouldSucceed().Stdout, StringComparison.Ordinal);
        var points = new List<string>();
        for (var run = 0; run < 3; run++)
        {
            TestDisk.Change(disk, seed: 40 + run);
            var ended = cli.RunJson(ContractsJsonContext.Default.JobRunView, "job", "run", "nightly");
            Assert.True(ended.Outcome == JobRunOutcome.Succeeded, ended.Error);
            points.Add(ended.RestorePointId!);
        }

        Assert.True(cli.RunJson(ContractsJsonContext.Default.JobView, "job", "enable", "nightly").Spec.Enabled);

        var listed = (await server.Http.GetFromJsonAsync("api/restore-points?vm=vm1", ContractsJsonContext.Default.ListRestorePointView))!;
        Assert.Equal(points, listed.Select(p => p.Id));
        Assert.All(listed, p => Assert.Equal((RestorePointView.Full, false, null, false), (p.Type, p.ChangeTracked, p.Consistency, p.Protected)));

        var protectedPoint = cli.RunJson(ContractsJsonContext.Default.RestorePointView, "restore-points", "protect", points[0]);
        Assert.True(protectedPoint.Protected);
        var refused = cli.Run("restore-points", "delete", points[0]);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains($"Restore point {points[0]} is protected; unprotect it first.", refused.Stderr, StringComparison.Ordinal);
        using (var viaRest = await server.Http.DeleteAsync($"api/restore-points/{points[0]}"))
            Assert.Equal(HttpStatusCode.Conflict, viaRest.StatusCode);
        using (var unknown = await server.Http.PostAsync("api/restore-points/20200101-000000-0000/protect", null))
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        // Retention keeps the protected point besides the newest two, without counting it.
        cli.Run("job", "edit", "nightly", "--keep-last", "2").ShouldSucceed();
        TestDisk.Change(disk, seed: 50);
        var fourth = cli.RunJson(ContractsJsonContext.Default.JobRunView, "job", "run", "nightly");
        Assert.StartsWith("kept the newest 2: removed 1", fourth.Retention, StringComparison.Ordinal);
        var table = cli.RunInColumns(80, "restore-points", "--repo", server.RepositoryPath).ShouldSucceed().Stdout;
        Assert.All(table.Split('\n'), line => Assert.True(line.Length <= 80, $"A line of {line.Length} characters:\n{table}"));
        Assert.Contains("protected", table, StringComparison.Ordinal);
        Assert.Contains(points[0], table, StringComparison.Ordinal);
        Assert.Contains("│ full ", table, StringComparison.Ordinal);
        Assert.Equal([points[0], points[2], fourth.RestorePointId], (await server.Http.GetFromJsonAsync("api/restore-points?vm=vm1", ContractsJsonContext.Default.ListRestorePointView))!.Select(p => p.Id));

        // Straight on the repository, without the server, the protection holds too, and retention's advice names a command that exists.
        using (var local = System.Text.Json.JsonDocument.Parse(cli.Run("restore-points", "--repo", server.RepositoryPath, "--vm", "vm1", "--json").ShouldSucceed().Stdout))
            Assert.Equal([true, false, false], local.RootElement.EnumerateArray().Select(p => p.GetProperty("protected").GetBoolean()));
        Assert.Contains("`lifeboat restore-points delete ID`", cli.Run("retention", "--repo", server.RepositoryPath, "--vm", "vm1", "--keep-last", "0").Stderr, StringComparison.Ordinal);

        Assert.False(cli.RunJson(ContractsJsonContext.Default.RestorePointView, "restore-points", "unprotect", points[0]).Protected);
        var deleted = cli.RunJson(ContractsJsonContext.Default.RestorePointDeletedView, "restore-points", "delete", points[0]);
        Assert.Equal(("vm1", server.RepositoryPath), (deleted.Vm, deleted.Repository));
        Assert.Equal([points[2], fourth.RestorePointId], (await server.Http.GetFromJsonAsync("api/restore-points?vm=vm1", ContractsJsonContext.Default.ListRestorePointView))!.Select(p => p.Id));
        Assert.Contains("No registered repository has restore point", cli.Run("restore-points", "delete", points[0]).Stderr, StringComparison.Ordinal);

        var audit = (await server.Http.GetFromJsonAsync("api/audit?limit=200", ContractsJsonContext.Default.ListAuditEntry))!;
        foreach (var action in new[] { "job.edit", "job.disable", "job.enable", "restore-point.protect", "restore-point.unprotect" })
            Assert.Contains(audit, e => e.Action == action && e.Outcome == "ok");
        Assert.Contains(audit, e => (e.Action, e.Target, e.Outcome) == ("restore-point.protect", points[0], "ok"));
        Assert.Contains(audit, e => (e.Action, e.Target, e.Outcome) == ("restore-point.delete", points[0], "ok"));
        Assert.Contains(audit, e => (e.Action, e.Target, e.Outcome) == ("restore-point.delete", points[0], $"refused 409: Restore point {points[0]} is protected; unprotect it first."));
    }

    [Fact]
    public async Task A_failed_recovery_starts_again_with_the_same_restore_point_and_options_and_twice_its_timeout()
    {
        using var folder = new TestFolder();
        var disk = TestDisk.Create(folder.Combine("disk0.raw"), 1, seed: 32);
        await using var server = await ServerProcess.StartAsync(folder.Combine("data"), [.. ServerProcess.OwnPorts(), "--nbd-port", "0"]);
        var first = await server.BackupAsync("vm1", disk, vmConfig: null);
        await server.BackupAsync("vm1", disk, vmConfig: null);
        // A backup of disk files records no guest agent channel: waiting for the agent fails in Initialization, before any boot.
        var session = await server.RecoverAsync(new RecoveryRequest { Vm = "vm1", RestorePoint = first.Id, ReadyWhen = "agent", ReadyTimeoutSeconds = 7 });
        var failed = await server.WaitForEndAsync(session.Id, SessionTimeout);
        Assert.Equal(SessionState.Failed, failed.State);
        Assert.Equal(7, failed.ReadyTimeoutSeconds);

        using var again = await server.PostAsync($"api/sessions/{failed.Id}/recover-again", new RecoverAgainRequest(), ContractsJsonContext.Default.RecoverAgainRequest);
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        var retried = (await again.Content.ReadFromJsonAsync(ContractsJsonContext.Default.SessionView))!;
        Assert.NotEqual(failed.Id, retried.Id);
        var ended = await server.WaitForEndAsync(retried.Id, SessionTimeout);
        Assert.Equal((first.Id, "agent", 14.0, "local"), (ended.RestorePointId, ended.ReadyWhen, ended.ReadyTimeoutSeconds, ended.Host));

        using var longer = await server.PostAsync($"api/sessions/{failed.Id}/recover-again", new RecoverAgainRequest(60), ContractsJsonContext.Default.RecoverAgainRequest);
        var third = (await longer.Content.ReadFromJsonAsync(ContractsJsonContext.Default.SessionView))!;
        Assert.Equal(60, third.ReadyTimeoutSeconds);
        await server.WaitForEndAsync(third.Id, SessionTimeout);
        using var tooLong = await server.PostAsync($"api/sessions/{failed.Id}/recover-again", new RecoverAgainRequest(1e9), ContractsJsonContext.Default.RecoverAgainRequest);
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        using var unknown = await server.PostAsync("api/sessions/nope/recover-again", new RecoverAgainRequest(), ContractsJsonContext.Default.RecoverAgainRequest);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        var audit = await server.Http.GetStringAsync("api/audit?action=session.recover");
        Assert.Contains($"{failed.Id} again as session {retried.Id}", audit, StringComparison.Ordinal);

        // A restore point a session publishes is not deleted while it runs (a session never powered on is ready at once).
        var hardware = folder.Combine("vm.json");
        await File.WriteAllTextAsync(hardware, """{"cpus": 1, "memoryMiB": 256, "diskBus": "virtio", "firmware": "bios"}""");
        var published = await server.BackupAsync("vm2", disk, hardware);
        var holding = await server.RecoverAsync(new RecoveryRequest { Vm = "vm2", PowerOn = false, ReadyWhen = "running" });
        Assert.Equal(SessionState.Ready, (await server.WaitAsync(holding.Id, s => s.State != SessionState.Starting, SessionTimeout)).State);
        using (var inUse = await server.Http.DeleteAsync($"api/restore-points/{published.Id}"))
        {
            Assert.Equal(HttpStatusCode.Conflict, inUse.StatusCode);
            Assert.Contains($"Restore point {published.Id} is in use by session {holding.Id}", await inUse.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var stop = await server.Http.PostAsync($"api/sessions/{holding.Id}/stop", null))
            Assert.Equal(HttpStatusCode.Accepted, stop.StatusCode);
        await server.WaitForEndAsync(holding.Id, SessionTimeout);
        using (var deleted = await server.Http.DeleteAsync($"api/restore-points/{published.Id}"))
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
    }
}
