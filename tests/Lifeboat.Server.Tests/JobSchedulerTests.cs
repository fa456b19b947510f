using Lifeboat.Server.Contracts.Jobs;
using Lifeboat.Server.Jobs;
using Lifeboat.Server.Tests.Support;

namespace Lifeboat.Server.Tests;

/// <summary>
/// The scheduler with the test's clock, a real repository and real disk files: schedules fire, failures are retried
/// and reported, retention keeps N, runs of one job never overlap, an interrupted run is tried again at start.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class JobSchedulerTests
{
    [Fact]
    public async Task An_every_1m_job_runs_when_its_minute_comes_and_retention_keeps_the_newest_N()
    {
        using var folder = new TestFolder();
        await using var jobs = await JobHarness.StartAsync(folder);
        var disk = TestDisk.Create(folder.Combine("disk0.raw"), 4, seed: 1);
        var added = jobs.Scheduler.Add(JobHarness.DiskJob("minutely", "every 1m", keepLast: 2, retries: 0, disk));
        Assert.Equal(JobHarness.Start.AddMinutes(1), added.NextRunAt);
        Assert.Equal(jobs.Data.Repository, added.Spec.Repository);

        jobs.Time.Advance(TimeSpan.FromSeconds(59));
        Assert.Empty(jobs.Scheduler.History("minutely"));

        for (var run = 1; run <= 3; run++)
        {
            TestDisk.Change(disk, seed: 100 + run);
            jobs.Time.Advance(TimeSpan.FromMinutes(1));
            var runs = await jobs.WaitForEndedRunsAsync("minutely", run);
            var last = runs[0];
            Assert.True(last.Outcome == JobRunOutcome.Succeeded, last.Error);
            Assert.Equal(JobRunTrigger.Schedule, last.Trigger);
            Assert.Equal(4L << 20, last.BytesRead);
            // The first run stores the whole disk; later ones only the MiB that changed.
            Assert.InRange(last.BytesStored!.Value, run == 1 ? 4L << 20 : 1L << 20, run == 1 ? 5L << 20 : 2L << 20);
            Assert.Equal(VmBackupResult.AtRest, last.Consistency);
            Assert.False(last.ChangeTrackingUsed);
            Assert.StartsWith("kept the newest 2", last.Retention, StringComparison.Ordinal);
        }

        var points = jobs.RestorePoints("minutely-vm");
        Assert.Equal(2, points.Count);
        Assert.Equal(jobs.Scheduler.History("minutely")[0].RestorePointId, points[^1].Id);
        Assert.Equal(JobHarness.Start.AddMinutes(4), jobs.Scheduler.Get("minutely")!.NextRunAt);
    }

    [Fact]
    public async Task A_missing_disk_fails_each_attempt_and_is_tried_again_as_often_as_the_job_says()
    {
        using var folder = new TestFolder();
        await using var jobs = await JobHarness.StartAsync(folder);
        var missing = folder.Combine("gone.raw");
        jobs.Scheduler.Add(JobHarness.DiskJob("offline", "daily 02:00", keepLast: 3, retries: 1, missing));

        var first = jobs.Scheduler.RunNow("offline");
        Assert.Equal(JobRunOutcome.Running, first.Outcome);
        var runs = await jobs.WaitForEndedRunsAsync("offline", 1);
        Assert.Equal(JobRunOutcome.Failed, runs[0].Outcome);
        Assert.Contains(missing, runs[0].Error, StringComparison.Ordinal);
        var retryAt = jobs.Time.GetUtcNow() + JobScheduler.RetryDelay;
        Assert.Equal(retryAt, runs[0].RetryAt);
        Assert.Equal(retryAt, jobs.Scheduler.Get("offline")!.RetryAt);

        jobs.Time.Advance(JobScheduler.RetryDelay);
        runs = await jobs.WaitForEndedRunsAsync("offline", 2);
        Assert.Equal((2, JobRunTrigger.Retry, JobRunOutcome.Failed), (runs[0].Attempt, runs[0].Trigger, runs[0].Outcome));
        Assert.Null(runs[0].RetryAt);
        Assert.Null(jobs.Scheduler.Get("offline")!.RetryAt);

        // The disk comes back: the job's next run succeeds.
        TestDisk.Create(missing, 1, seed: 2);
        jobs.Scheduler.RunNow("offline");
        runs = await jobs.WaitForEndedRunsAsync("offline", 3);
        Assert.Equal(JobRunOutcome.Succeeded, runs[0].Outcome);
    }

    [Fact]
    public async Task A_dead_QMP_socket_is_reported_as_the_run_s_error()
    {
        using var folder = new TestFolder();
        await using var jobs = await JobHarness.StartAsync(folder);
        var socket = folder.Combine("dead.qmp");
        jobs.Scheduler.Add(new JobSpec("live", "vm1", new JobSource(JobSourceKind.Qmp, QmpSocket: socket), "every 6h", 7, Retries: 0));

        jobs.Scheduler.RunNow("live");
        var run = Assert.Single(await jobs.WaitForEndedRunsAsync("live", 1));
        Assert.Equal(JobRunOutcome.Failed, run.Outcome);
        Assert.Contains($"Cannot connect to the QMP socket {socket}", run.Error, StringComparison.Ordinal);
        Assert.Null(run.RetryAt);
    }

    [Fact]
    public async Task A_job_stored_before_the_checks_with_a_program_running_uri_or_a_path_for_a_name_fails_its_run_and_runs_nothing()
    {
        using var folder = new TestFolder();
        await using var jobs = await JobHarness.StartAsync(folder);
        var marker = folder.Combine("ran");
        var script = folder.Combine("touch-marker");
        await File.WriteAllTextAsync(script, $"#!/bin/sh\ntouch {marker}\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var disk = TestDisk.Create(folder.Combine("disk0.raw"), 1, seed: 5);
        var uri = $"qemu+ext:///system?command={script}";
        await jobs.RestartAsync(() =>
        {
            // As an older server stored them, before job add checked either.
            Assert.True(jobs.Store.Insert(new JobRecord(new JobSpec("ext", "vm1", new JobSource(JobSourceKind.Libvirt, LibvirtDomain: "vm1", ConnectUri: uri), "every 6h", 7, jobs.Data.Repository, Retries: 0),
                JobHarness.Start, JobHarness.Start.AddHours(6), null, null)));
            Assert.True(jobs.Store.Insert(new JobRecord(new JobSpec("etc", "../../etc", new JobSource(JobSourceKind.Disks, DiskPaths: [disk]), "every 6h", 7, jobs.Data.Repository, Retries: 0),
                JobHarness.Start, JobHarness.Start.AddHours(6), null, null)));
        });

        jobs.Scheduler.RunNow("ext");
        jobs.Scheduler.RunNow("etc");
        var ext = Assert.Single(await jobs.WaitForEndedRunsAsync("ext", 1));
        var etc = Assert.Single(await jobs.WaitForEndedRunsAsync("etc", 1));

        Assert.Equal(JobRunOutcome.Failed, ext.Outcome);
        Assert.Contains($"the libvirt connection URI '{uri}' has parameters", ext.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(marker), "virsh ran the program the job's URI names");
        Assert.Equal(JobRunOutcome.Failed, etc.Outcome);
        Assert.Contains("vm '../../etc' is not a VM name", etc.Error, StringComparison.Ordinal);
        using var repository = Lifeboat.Repository.BackupRepository.Open(jobs.Data.Repository, password: null);
        Assert.Empty(repository.ListRestorePoints());
    }

    [Fact]
    public async Task Two_runs_of_a_job_never_overlap_and_a_running_job_cannot_be_removed()
    {
        using var folder = new TestFolder();
        var gated = new GatedBackups();
        await using var jobs = await JobHarness.StartAsync(folder, gated);
        var disk = TestDisk.Create(folder.Combine("disk0.raw"), 1, seed: 3);
        jobs.Scheduler.Add(JobHarness.DiskJob("slow", "every 1m", keepLast: 5, retries: 0, disk));

        jobs.Scheduler.RunNow("slow");
        await gated.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(LifeboatErrorReason.Conflict, Assert.Throws<LifeboatException>(() => jobs.Scheduler.RunNow("slow")).Reason);
        Assert.Equal(LifeboatErrorReason.Conflict, Assert.Throws<LifeboatException>(() => jobs.Scheduler.Remove("slow")).Reason);
        // The scheduled minute comes while the run goes on: it is skipped, not started beside it.
        jobs.Time.Advance(TimeSpan.FromMinutes(1));
        // The scheduler's loop sees the due minute on its own thread: wait until it has moved the next run past it. An
        // advance in the instant between the loop reading the clock and arming its timer is missed by a fake clock that
        // no longer moves: nudge it a millisecond at a time (far from the next minute).
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (jobs.Scheduler.Get("slow")!.NextRunAt <= JobHarness.Start + TimeSpan.FromMinutes(1))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the scheduler never looked at the due run");
            await Task.Delay(20);
            jobs.Time.Advance(TimeSpan.FromMilliseconds(1));
        }

        Assert.Single(jobs.Scheduler.History("slow"));
        Assert.True(jobs.Scheduler.Get("slow")!.Running);

        gated.Release.SetResult();
        await jobs.WaitForEndedRunsAsync("slow", 1);
        Assert.Single(jobs.Scheduler.History("slow"));
        Assert.Equal(1, gated.MaxConcurrent);
        jobs.Scheduler.Remove("slow");
        Assert.Null(jobs.Scheduler.Get("slow"));
        Assert.Equal(LifeboatErrorReason.NotFound, Assert.Throws<LifeboatException>(() => jobs.Scheduler.History("slow")).Reason);
    }

    [Fact]
    public async Task A_run_a_crashed_server_left_running_is_interrupted_at_start_and_tried_again_at_once()
    {
        using var folder = new TestFolder();
        await using var jobs = await JobHarness.StartAsync(folder);
        var disk = TestDisk.Create(folder.Combine("disk0.raw"), 1, seed: 4);
        jobs.Scheduler.Add(JobHarness.DiskJob("nightly", "daily 02:00", keepLast: 5, retries: 1, disk));

        // What kill -9 during a run leaves in the database: a run still marked running.
        await jobs.RestartAsync(whileStopped: () => jobs.Store.BeginRun("nightly", 1, JobRunTrigger.Schedule, jobs.Time.GetUtcNow()));

        var runs = await jobs.WaitForEndedRunsAsync("nightly", 2);
        Assert.Equal((1, JobRunOutcome.Interrupted), (runs[1].Attempt, runs[1].Outcome));
        Assert.Equal(JobRun.InterruptedMessage, runs[1].Error);
        Assert.Equal((2, JobRunTrigger.Retry, JobRunOutcome.Succeeded), (runs[0].Attempt, runs[0].Trigger, runs[0].Outcome));
        Assert.Single(jobs.RestorePoints("nightly-vm"));
    }

    [Fact]
    public async Task A_run_the_server_s_stop_cancels_is_interrupted_and_tried_again_at_the_next_start()
    {
        using var folder = new TestFolder();
        var gated = new GatedBackups();
        await using var jobs = await JobHarness.StartAsync(folder, gated);
        var disk = TestDisk.Create(folder.Combine("disk0.raw"), 1, seed: 6);
        jobs.Scheduler.Add(JobHarness.DiskJob("stopped", "daily 02:00", keepLast: 5, retries: 1, disk));
        jobs.Scheduler.RunNow("stopped");
        await gated.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));

        await jobs.RestartAsync(whileStopped: () =>
        {
            var interrupted = Assert.Single(jobs.Store.GetRuns("stopped", 10));
            Assert.Equal(JobRunOutcome.Interrupted, interrupted.Outcome);
            Assert.NotNull(interrupted.RetryAt);
            gated.Release.SetResult();
        });

        var runs = await jobs.WaitForEndedRunsAsync("stopped", 2);
        Assert.Equal((2, JobRunTrigger.Retry, JobRunOutcome.Succeeded), (runs[0].Attempt, runs[0].Trigger, runs[0].Outcome));
        Assert.Single(jobs.RestorePoints("stopped-vm"));
    }

    [Fact]
    public async Task Retention_waits_while_an_instant_recovery_is_starting_and_the_run_still_succeeds()
    {
        using var folder = new TestFolder();
        await using var jobs = await JobHarness.StartAsync(folder);
        var disk = TestDisk.Create(folder.Combine("disk0.raw"), 1, seed: 5);
        jobs.Scheduler.Add(JobHarness.DiskJob("busy", "every 6h", keepLast: 1, retries: 0, disk));
        jobs.Scheduler.RunNow("busy");
        await jobs.WaitForEndedRunsAsync("busy", 1);

        using (await jobs.Retention.EnterRecoveryAsync(CancellationToken.None))
        {
            jobs.Scheduler.RunNow("busy");
            var run = (await jobs.WaitForEndedRunsAsync("busy", 2))[0];
            Assert.Equal(JobRunOutcome.Succeeded, run.Outcome);
            Assert.StartsWith("postponed: an instant recovery is starting", run.Retention, StringComparison.Ordinal);
            Assert.Equal(2, jobs.RestorePoints("busy-vm").Count);
        }

        jobs.Scheduler.RunNow("busy");
        var after = (await jobs.WaitForEndedRunsAsync("busy", 3))[0];
        Assert.StartsWith("kept the newest 1: removed 2", after.Retention, StringComparison.Ordinal);
        Assert.Single(jobs.RestorePoints("busy-vm"));
    }

    [Fact]
    public async Task Jobs_are_checked_when_added()
    {
        using var folder = new TestFolder();
        await using var jobs = await JobHarness.StartAsync(folder);
        var disk = folder.Combine("disk0.raw");
        // Each refusal names its field too: the console shows the sentence beside it.
        void Refused(JobSpec spec, string field, string sentence)
        {
            var error = Assert.Throws<InvalidJobSpecException>(() => jobs.Scheduler.Add(spec));
            Assert.Equal(field, error.Field);
            Assert.Contains(sentence, error.Message, StringComparison.Ordinal);
        }

        Refused(JobHarness.DiskJob("a", "hourly", 1, 0, disk), JobSpecField.Schedule, "Schedule 'hourly'");
        Refused(JobHarness.DiskJob("a", "every 1h", 0, 0, disk), JobSpecField.KeepLast, "The number of restore points to keep");
        Refused(JobHarness.DiskJob("../a", "every 1h", 1, 0, disk), JobSpecField.Name, "Job name");
        Refused(JobHarness.DiskJob("a", "every 1h", 1, 0, disk) with { Repository = folder.Combine("nothing") }, JobSpecField.Repository, "Repository ");

        // Every field's problem at once, in words of their own (no CLI flag), and the first names the field.
        var several = Assert.Throws<InvalidJobSpecException>(() => jobs.Scheduler.Add(JobHarness.DiskJob("../a", "hourly", 0, 11)));
        Assert.Equal([JobSpecField.Name, JobSpecField.Vm, JobSpecField.KeepLast, JobSpecField.Retries, JobSpecField.Schedule, JobSpecField.Source], several.Problems.Select(p => p.Field));
        Assert.Equal(JobSpecField.Name, several.Field);
        Assert.Equal(string.Join(" ", several.Problems.Select(p => p.Message)), several.Message);
        Assert.DoesNotContain("--", several.Message, StringComparison.Ordinal);

        jobs.Scheduler.Add(JobHarness.DiskJob("a", "every 1h", 1, 0, disk));
        Assert.Equal(LifeboatErrorReason.Conflict, Assert.Throws<LifeboatException>(() => jobs.Scheduler.Add(JobHarness.DiskJob("a", "every 2h", 1, 0, disk))).Reason);
    }

    /// <summary>Real backups that wait at their start until the test lets them go.</summary>
    private sealed class GatedBackups : IVmBackupRunner
    {
        private readonly VmBackupRunner _real = new(Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        private int _running;

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int MaxConcurrent { get; private set; }

        public async Task<VmBackupResult> RunAsync(VmBackupRequest request, CancellationToken cancellationToken)
        {
            MaxConcurrent = Math.Max(MaxConcurrent, Interlocked.Increment(ref _running));
            try
            {
                Entered.TrySetResult();
                await Release.Task.WaitAsync(cancellationToken);
                return await _real.RunAsync(request, cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref _running);
            }
        }
    }
}
