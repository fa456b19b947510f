using Lifeboat.Server.Contracts.Dashboard;
using Lifeboat.Server.Contracts.Jobs;
using Lifeboat.Server.Data;
using Lifeboat.Server.Health;
using Lifeboat.Server.Hosting;
using Lifeboat.Server.Jobs;
using Lifeboat.Server.Tests.Support;

namespace Lifeboat.Server.Tests.Health;

/// <summary>
/// Backup health computed from a real job history and repository on the test's clock: results per period, the VM of a
/// failing job overdue once its schedule and grace have passed and no longer once a run succeeds, the repository's
/// space and dedup factor, the newest failures with where to act.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class BackupHealthTests
{
    [Fact]
    public async Task Results_overdue_VMs_repositories_and_failures_follow_the_jobs_history()
    {
        using var folder = new TestFolder();
        await using var jobs = await JobHarness.StartAsync(folder);
        var health = new HealthHarness(jobs, new ServerOptions { DataDirectory = jobs.Data.Root }).Health;
        var disk = TestDisk.Create(folder.Combine("good.raw"), 4, seed: 1);
        var missing = folder.Combine("broken.raw");
        jobs.Scheduler.Add(JobHarness.DiskJob("good", "every 1h", keepLast: 5, retries: 0, disk));
        jobs.Scheduler.Add(JobHarness.DiskJob("broken", "every 1h", keepLast: 5, retries: 1, missing));
        jobs.Scheduler.Add(JobHarness.DiskJob("nightly", "daily 02:00", keepLast: 5, retries: 0, disk));

        var empty = health.Compute();
        Assert.Equal(new JobResultCounts(0, 0, 0, 0), empty.Last24Hours);
        Assert.Empty(empty.OverdueVms);
        Assert.Empty(empty.Failures);

        jobs.Scheduler.RunNow("good");
        jobs.Scheduler.RunNow("broken");
        await jobs.WaitForEndedRunsAsync("good", 1);
        await jobs.WaitForEndedRunsAsync("broken", 1);
        var first = health.Compute();
        Assert.Equal(new JobResultCounts(1, 0, 1, 0), first.Last24Hours);
        Assert.Equal(first.Last24Hours, first.Last7Days);
        var failure = Assert.Single(first.Failures);
        Assert.Equal((FailureView.JobRun, "broken", "broken-vm", "jobs/broken"), (failure.Kind, failure.Subject, failure.Vm, failure.ConsolePath));
        Assert.Contains(missing, failure.Error, StringComparison.Ordinal);

        // The retry fails too and is the last. An hour on, both jobs run by their schedule; broken fails and plans a retry.
        jobs.Time.Advance(JobScheduler.RetryDelay);
        await jobs.WaitForEndedRunsAsync("broken", 2);
        Assert.Equal(new JobResultCounts(1, 1, 1, 0), health.Compute().Last24Hours);
        jobs.Time.Advance(TimeSpan.FromHours(1) - JobScheduler.RetryDelay);
        await jobs.WaitForEndedRunsAsync("good", 2);
        await jobs.WaitForEndedRunsAsync("broken", 3);
        var second = health.Compute();
        Assert.Equal(new JobResultCounts(2, 1, 2, 0), second.Last24Hours);
        Assert.Empty(second.OverdueVms);
        Assert.Equal(3, second.Failures.Count);
        Assert.True(second.Failures.Zip(second.Failures.Skip(1)).All(p => p.First.At >= p.Second.At), "newest first");

        // Two hours after it was added (every 1h + 1 h of grace) the failing job's VM is overdue; the others are not.
        jobs.Time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(1));
        await jobs.WaitForEndedRunsAsync("good", 3);
        await jobs.WaitForEndedRunsAsync("broken", 4);
        var overdue = Assert.Single(health.Compute().OverdueVms);
        Assert.Equal(("broken", "broken-vm", "every 1h", jobs.Data.Repository, (DateTimeOffset?)null, JobHarness.Start.AddHours(2)),
            (overdue.Job, overdue.Vm, overdue.Schedule, overdue.Repository, overdue.NewestRestorePoint, overdue.OverdueSince));

        // Its disk comes back: a run succeeds and the VM is no longer overdue.
        TestDisk.Create(missing, 1, seed: 2);
        jobs.Scheduler.RunNow("broken");
        await jobs.WaitForEndedRunsAsync("broken", 5);
        Assert.Empty(health.Compute().OverdueVms);

        // A day later the last 24 hours hold only that day's runs (each job's one run: missed runs are not made up),
        // the last 7 days all of them; the daily job ran at 02:00 and is not overdue.
        jobs.Time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));
        await jobs.WaitForEndedRunsAsync("good", 4);
        await jobs.WaitForEndedRunsAsync("broken", 6);
        await jobs.WaitForEndedRunsAsync("nightly", 1);
        var dayLater = health.Compute();
        Assert.Equal(new JobResultCounts(3, 0, 0, 0), dayLater.Last24Hours);
        Assert.Equal(new JobResultCounts(7, 1, 3, 0), dayLater.Last7Days);
        Assert.Empty(dayLater.OverdueVms);
        Assert.Equal(4, dayLater.Failures.Count);
    }

    [Fact]
    public async Task A_disabled_job_s_VM_is_not_overdue_and_the_same_job_enabled_is()
    {
        using var folder = new TestFolder();
        await using var jobs = await JobHarness.StartAsync(folder);
        var health = new HealthHarness(jobs, new ServerOptions { DataDirectory = jobs.Data.Root }).Health;
        // Recorded as a server would have three hours ago, due again in an hour: the scheduler has nothing to run now.
        var now = jobs.Time.GetUtcNow();
        var spec = JobHarness.DiskJob("paused", "every 1h", keepLast: 2, retries: 0, folder.Combine("none.raw")) with { Repository = jobs.Data.Repository };
        Assert.True(jobs.Store.Insert(new JobRecord(spec with { Enabled = false }, now.AddHours(-3), now.AddHours(1), null, null)));
        Assert.Empty(health.Compute().OverdueVms);

        jobs.Store.Delete("paused");
        Assert.True(jobs.Store.Insert(new JobRecord(spec, now.AddHours(-3), now.AddHours(1), null, null)));
        Assert.Equal(now.AddHours(-1), Assert.Single(health.Compute().OverdueVms).OverdueSince);
    }

    [Fact]
    public async Task A_running_backup_shows_how_far_it_has_read()
    {
        using var folder = new TestFolder();
        await using var jobs = await JobHarness.StartAsync(folder);
        var health = new HealthHarness(jobs, new ServerOptions { DataDirectory = jobs.Data.Root }).Health;
        // Data to hash, compress and store for a second or more: the backup reports its progress every 200 ms.
        var disk = TestDisk.Create(folder.Combine("big.raw"), 256, seed: 9);
        jobs.Scheduler.Add(JobHarness.DiskJob("big", "daily 02:00", keepLast: 1, retries: 0, disk));
        jobs.Scheduler.RunNow("big");
        BackupHealthFigures? during = null;
        await Wait.UntilAsync(
            () => (during = health.Compute()).RunningBackups.Any(r => r.BytesDone > 0) || jobs.Scheduler.Get("big") is { Running: false },
            () => "the run neither reported nor ended");
        var seen = Assert.Single(during!.RunningBackups);
        Assert.Equal(("big", "big-vm", 256L << 20), (seen.Job, seen.Vm, seen.BytesTotal));
        Assert.InRange(seen.BytesDone!.Value, 1, 256L << 20);
        Assert.Equal(1, during.Last24Hours.Running);
        var ended = await jobs.WaitForEndedRunsAsync("big", 1);
        Assert.True(ended[0].Outcome == JobRunOutcome.Succeeded, ended[0].Error);
        Assert.Equal(0, health.Compute().Last24Hours.Running);
        Assert.Empty(health.Compute().RunningBackups);
    }

    [Fact]
    public async Task A_repository_shows_its_file_system_space_stored_bytes_and_dedup_factor_and_an_unreadable_one_says_why()
    {
        using var folder = new TestFolder();
        await using var jobs = await JobHarness.StartAsync(folder);
        var options = HealthHarness.FullAt(folder);
        var health = new HealthHarness(jobs, options);
        var disk = TestDisk.Create(folder.Combine("disk.raw"), 4, seed: 3);
        jobs.Scheduler.Add(JobHarness.DiskJob("twice", "daily 02:00", keepLast: 5, retries: 0, disk));
        jobs.Scheduler.RunNow("twice");
        await jobs.WaitForEndedRunsAsync("twice", 1);
        TestDisk.Change(disk, seed: 4);
        jobs.Scheduler.RunNow("twice");
        await jobs.WaitForEndedRunsAsync("twice", 2);
        var gone = folder.Combine("gone-repository");
        new RepositoryStore(jobs.Database).Add(gone, isDefault: false);
        health.Figures.Invalidate();

        var repositories = health.Health.Compute().Repositories;
        var own = Assert.Single(repositories, r => r.IsDefault);
        var drive = new DriveInfo(jobs.Data.Repository);
        Assert.Equal(drive.TotalSize, own.TotalBytes);
        Assert.InRange(own.FreeBytes!.Value, 1, drive.TotalSize);
        Assert.InRange(own.UsedPercent!.Value, options.RepositoryFullPercent, 100);
        Assert.True(own.NearlyFull);
        Assert.Equal(2, own.RestorePoints);
        Assert.Equal(8L << 20, own.LogicalBytes);
        // Random data does not compress: 4 MiB, then the changed MiB, plus the packs' own bytes.
        Assert.InRange(own.StoredBytes!.Value, 5L << 20, 6L << 20);
        Assert.Equal(Math.Round((double)own.LogicalBytes!.Value / own.StoredBytes.Value, 2), own.DedupFactor);
        Assert.Null(own.Error);

        var broken = Assert.Single(repositories, r => r.Path == gone);
        Assert.Contains(gone, broken.Error, StringComparison.Ordinal);
        Assert.Equal((0, (long?)null, (double?)null), (broken.RestorePoints, broken.StoredBytes, broken.DedupFactor));
    }
}
