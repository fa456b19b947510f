using System.Diagnostics;
using System.Net.Http.Json;
using Lifeboat.Hypervisors.Qemu;
using Lifeboat.Repository;
using Lifeboat.Server.Contracts.Jobs;
using Lifeboat.Server.Sessions;
using Lifeboat.Server.Tests.Support;

namespace Lifeboat.Server.Tests;

/// <summary>Jobs against real QEMU: a live backup of a running VM over QMP, and runs beside an instant recovery of the same repository.</summary>
[Collection(GuestCollection.Name)]
public sealed class JobLiveTests(GuestImage guest)
{
    private const string RecordMarker = "LIFEBOAT-GUEST-RECORD";
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task A_QMP_job_backs_a_running_VM_up_live_and_its_next_run_reads_only_what_changed()
    {
        using var folder = new TestFolder();
        await using var server = await ServerProcess.StartAsync(folder.Combine("data"));
        var runtime = folder.Combine("vm");
        try
        {
            var paths = await StartRecordingGuestAsync(folder, runtime);
            var cli = new JobCli(server);
            cli.RunJson(ContractsJsonContext.Default.JobView,
                "job", "add", "live", "--vm", "recorder", "--qmp", paths.QmpSocket, "--schedule", "every 6h", "--keep-last", "1", "--retries", "0");

            var first = cli.RunJson(ContractsJsonContext.Default.JobRunView, "job", "run", "live");
            Assert.True(first.Outcome == JobRunOutcome.Succeeded, first.Error);
            Assert.Equal("file-system-consistent", first.Consistency);
            Assert.False(first.ChangeTrackingUsed);
            Assert.StartsWith("not used: ", first.ChangeTracking, StringComparison.Ordinal);

            await WaitForConsoleGrowthAsync(paths.SerialLog);
            var second = cli.RunJson(ContractsJsonContext.Default.JobRunView, "job", "run", "live");
            Assert.True(second.Outcome == JobRunOutcome.Succeeded, second.Error);
            Assert.True(second.ChangeTrackingUsed, second.ChangeTracking);
            Assert.Contains(first.RestorePointId!, second.ChangeTracking, StringComparison.Ordinal);
            Assert.True(second.BytesRead < first.BytesRead, $"{second.BytesRead} bytes read after {first.BytesRead}");
            Assert.StartsWith("kept the newest 1: removed 1", second.Retention, StringComparison.Ordinal);

            using var repository = BackupRepository.Open(server.RepositoryPath, password: null);
            Assert.Equal(second.RestorePointId, Assert.Single(repository.ListRestorePoints("recorder")).Id);
            Assert.True((await repository.VerifyAsync()).Ok);
        }
        finally
        {
            await VmRuntimeFolder.KillAsync(runtime, CancellationToken.None);
        }
    }

    [Fact]
    public async Task An_instant_recovery_started_during_a_job_run_of_its_repository_succeeds_and_retention_waits_for_it()
    {
        using var folder = new TestFolder();
        await using var server = await ServerProcess.StartAsync(folder.Combine("data"));
        await server.BackupAsync("guest", guest.RawDisk, guest.HardwareJson);
        var bulk = TestDisk.Create(folder.Combine("bulk.raw"), 256, seed: 31);
        var spec = new JobSpec("bulk", "bulk", new JobSource(JobSourceKind.Disks, DiskPaths: [bulk]), "daily 03:00", KeepLast: 1, Retries: 0);
        using (var added = await server.Http.PostAsJsonAsync("api/jobs", spec, ContractsJsonContext.Default.JobSpec))
            added.EnsureSuccessStatusCode();

        var run = await StartRunAsync(server, "bulk");
        var session = await server.RecoverAsync(Recovery.Guest("write,stay"));
        var ready = await server.WaitAsync(session.Id, s => s.State != SessionState.Starting, Recovery.BootTimeout);
        Assert.True(ready.State == SessionState.Ready, $"{ready.Error}{Environment.NewLine}{ServerProcess.Describe(ready)}");
        var ended = await WaitForRunAsync(server, run);
        Assert.True(ended.Outcome == JobRunOutcome.Succeeded, ended.Error);
        Assert.True(ended.EndedAt > session.CreatedAt, $"the run ended at {ended.EndedAt:O}, before the session started at {session.CreatedAt:O}");

        // While the VM runs from the repository, a run backs up beside it; retention waits for the publication to go.
        var beside = await WaitForRunAsync(server, await StartRunAsync(server, "bulk"));
        Assert.True(beside.Outcome == JobRunOutcome.Succeeded, beside.Error);
        Assert.StartsWith("postponed: ", beside.Retention, StringComparison.Ordinal);
        Assert.Contains("in use", beside.Retention, StringComparison.Ordinal);
        var ticks = await Recovery.TickCountAsync(server, ready.Id);
        await server.WaitForConsoleAsync(ready.Id, GuestImage.TickMarker, TimeSpan.FromMinutes(1), ticks + 2);

        using (var answer = await server.Http.PostAsync($"api/sessions/{ready.Id}/stop", null))
            answer.EnsureSuccessStatusCode();
        Assert.Equal(SessionState.Stopped, (await server.WaitForEndAsync(ready.Id, TimeSpan.FromMinutes(1))).State);
        var after = await WaitForRunAsync(server, await StartRunAsync(server, "bulk"));
        Assert.StartsWith("kept the newest 1: removed 2", after.Retention, StringComparison.Ordinal);
        using var repository = BackupRepository.Open(server.RepositoryPath, password: null);
        Assert.Single(repository.ListRestorePoints("bulk"));
        Assert.Single(repository.ListRestorePoints("guest"));
    }

    [Fact]
    public async Task A_job_with_verify_boot_verifies_each_new_restore_point_and_restore_points_show_it()
    {
        using var folder = new TestFolder();
        await using var server = await ServerProcess.StartAsync(folder.Combine("data"));
        // The guest's hardware is recorded once; the job's backups of its disk at rest carry it over.
        await server.BackupAsync("guest", guest.RawDisk, guest.HardwareJson);
        // A verification boots the guest as it was backed up: its own /etc/lifeboat/mode keeps it running (the default powers off).
        var disk = folder.Combine("guest.raw");
        File.Copy(guest.RawDisk, disk);
        var mode = folder.Combine("mode");
        await File.WriteAllTextAsync(mode, "stay");
        var commands = folder.Combine("debugfs.cmd");
        await File.WriteAllTextAsync(commands, $"mkdir /etc/lifeboat\nrm /etc/lifeboat/mode\nwrite {mode} /etc/lifeboat/mode\n");
        await Tools.RunOkAsync("debugfs", "-w", "-f", commands, $"{disk}?offset={guest.RootPartitionOffset}");
        var spec = new JobSpec("nightly", "guest", new JobSource(JobSourceKind.Disks, DiskPaths: [disk]), "daily 03:00", KeepLast: 3, Retries: 0, Verify: JobSpec.VerifyBoot);
        using (var added = await server.Http.PostAsJsonAsync("api/jobs", spec, ContractsJsonContext.Default.JobSpec))
            added.EnsureSuccessStatusCode();

        var run = await WaitForRunAsync(server, await StartRunAsync(server, "nightly"));
        Assert.True(run.Outcome == JobRunOutcome.Succeeded, run.Error);
        Assert.StartsWith("started: verification ", run.Verification, StringComparison.Ordinal);
        var verification = run.Verification!.Split(' ')[2];
        var ended = await server.WaitForEndAsync(verification, TimeSpan.FromMinutes(4));
        Assert.True(ended.State == SessionState.Stopped, ServerProcess.Describe(ended));
        var points = await server.Http.GetFromJsonAsync("api/restore-points?vm=guest", ContractsJsonContext.Default.ListRestorePointView);
        var verified = Assert.Single(points!, p => p.Id == run.RestorePointId).Verified;
        Assert.True(verified is { Passed: true }, verified?.Summary);
        Assert.Equal(verification, verified!.SessionId);
        Assert.StartsWith("booted in ", verified.Summary, StringComparison.Ordinal);
        await Leftovers.AssertNoneAsync(server, await server.GetAsync(verification));

        using var refused = await server.Http.PostAsJsonAsync("api/jobs", spec with { Name = "other", Verify = "ping" }, ContractsJsonContext.Default.JobSpec);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("it verifies by booting (boot)", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>The test guest appending records to its disk, with its agent; the fixture keeps no QMP connection, so the job can take QEMU's monitor.</summary>
    private async Task<QemuVmPaths> StartRecordingGuestAsync(TestFolder folder, string runtime)
    {
        var overlay = folder.Combine("guest.qcow2");
        await Tools.RunOkAsync("qemu-img", "create", "-q", "-f", "qcow2", "-b", guest.RawDisk, "-F", "raw", overlay);
        var description = new QemuVmDescription
        {
            Name = "recorder",
            MemoryMiB = 256,
            Disks = [new QemuDisk(overlay) { Format = QemuDiskFormat.Qcow2 }],
            GuestAgent = true,
            FirmwareConfig = new Dictionary<string, string> { [GuestImage.ModeEntry] = "records" },
        };
        await using var vm = await new QemuLauncher().StartAsync(description, runtime);
        await vm.WaitForConsoleAsync(RecordMarker, Recovery.BootTimeout);
        await vm.WaitForAgentAsync(TimeSpan.FromMinutes(1));
        return vm.Paths;
    }

    private static async Task WaitForConsoleGrowthAsync(string serialLog)
    {
        var before = new FileInfo(serialLog).Length;
        var clock = Stopwatch.StartNew();
        while (new FileInfo(serialLog).Length < before + 200)
        {
            Assert.True(clock.Elapsed < RunTimeout, "the guest wrote no more records");
            await Task.Delay(100);
        }
    }

    private static async Task<JobRunView> StartRunAsync(ServerProcess server, string job)
    {
        using var answer = await server.Http.PostAsync($"api/jobs/{job}/run", null);
        answer.EnsureSuccessStatusCode();
        return (await answer.Content.ReadFromJsonAsync(ContractsJsonContext.Default.JobRunView))!;
    }

    private static async Task<JobRunView> WaitForRunAsync(ServerProcess server, JobRunView run)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var current = (await server.Http.GetFromJsonAsync($"api/jobs/{run.Job}/history/{run.Id}", ContractsJsonContext.Default.JobRunView))!;
            if (current.IsFinal)
                return current;
            Assert.True(clock.Elapsed < RunTimeout, $"run {run.Id} of {run.Job} did not end in {RunTimeout}:{Environment.NewLine}{server.ReadLog()}");
            await Task.Delay(100);
        }
    }
}
