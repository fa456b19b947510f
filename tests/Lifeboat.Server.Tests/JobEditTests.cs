using Lifeboat.Server.Contracts.Jobs;
using Lifeboat.Server.Jobs;
using Lifeboat.Server.Tests.Support;

namespace Lifeboat.Server.Tests;

/// <summary>Editing, disabling and enabling jobs in the scheduler, on the test's clock.</summary>
public sealed class JobEditTests
{
    [Fact]
    public async Task A_disabled_job_runs_neither_by_schedule_nor_by_retry_but_Run_now_still_runs_it()
    {
        using var folder = new TestFolder();
        await using var jobs = await JobHarness.StartAsync(folder);
        var disk = TestDisk.Create(folder.Combine("disk0.raw"), 1, seed: 3);
        var missing = folder.Combine("gone.raw");
        // The scheduler looks at every job, by name, each time it wakes: the companion's runs show that it looked at the disabled one too.
        jobs.Scheduler.Add(JobHarness.DiskJob("a-disabled", "every 1m", keepLast: 2, retries: 3, missing));
        jobs.Scheduler.Add(JobHarness.DiskJob("b-companion", "every 1m", keepLast: 2, retries: 0, disk));

        jobs.Scheduler.RunNow("a-disabled");
        var failed = Assert.Single(await jobs.WaitForEndedRunsAsync("a-disabled", 1));
        Assert.NotNull(failed.RetryAt);
        var disabled = jobs.Scheduler.SetEnabled("a-disabled", enabled: false);
        Assert.False(disabled.Spec.Enabled);
        Assert.Null(disabled.RetryAt);
        Assert.False(jobs.Store.Get("a-disabled")!.Spec.Enabled);

        // Past its next scheduled run and past the retry it had planned (5 minutes on).
        for (var minute = 1; minute <= 6; minute++)
        {
            jobs.Time.Advance(TimeSpan.FromMinutes(1));
            await jobs.WaitForEndedRunsAsync("b-companion", minute);
        }

        Assert.Single(jobs.Scheduler.History("a-disabled"));
        var manual = jobs.Scheduler.RunNow("a-disabled");
        Assert.Equal(JobRunTrigger.Manual, manual.Trigger);
        Assert.Equal(2, (await jobs.WaitForEndedRunsAsync("a-disabled", 2)).Count);
        // It failed and planned a retry as it ended; the scheduler, woken by its end, drops that retry.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (jobs.Scheduler.Get("a-disabled")!.RetryAt is not null)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "The disabled job's retry was not dropped.");
            await Task.Delay(20);
        }

        var enabled = jobs.Scheduler.SetEnabled("a-disabled", enabled: true);
        Assert.True(enabled.Spec.Enabled);
        // Enabled again, it runs when its schedule next says from now, not at the run it missed.
        Assert.Equal(jobs.Time.GetUtcNow().AddMinutes(1), enabled.NextRunAt);
    }

    [Fact]
    public async Task Editing_a_job_changes_its_definition_and_computes_its_next_run_again_but_never_its_name()
    {
        using var folder = new TestFolder();
        await using var jobs = await JobHarness.StartAsync(folder);
        var disk = TestDisk.Create(folder.Combine("disk0.raw"), 1, seed: 4);
        var added = jobs.Scheduler.Add(JobHarness.DiskJob("nightly", "daily 02:00", keepLast: 7, retries: 2, disk));
        Assert.Equal(JobHarness.Start.Date.AddDays(1).AddHours(2), added.NextRunAt.UtcDateTime);

        var edited = jobs.Scheduler.Edit("nightly", added.Spec with { Schedule = "every 6h", KeepLast = 3, Retries = 0 });

        Assert.Equal(("every 6h", 3, 0), (edited.Spec.Schedule, edited.Spec.KeepLast, edited.Spec.Retries));
        Assert.Equal(JobHarness.Start.AddHours(6), edited.NextRunAt);
        Assert.Equal(added.CreatedAt, edited.CreatedAt);
        var stored = jobs.Store.Get("nightly")!;
        Assert.Equal(("every 6h", 3, 0, JobHarness.Start.AddHours(6)), (stored.Spec.Schedule, stored.Spec.KeepLast, stored.Spec.Retries, stored.NextRunAt));
        var renamed = Assert.Throws<InvalidJobSpecException>(() => jobs.Scheduler.Edit("nightly", edited.Spec with { Name = "other" }));
        Assert.Equal(JobSpecField.Name, renamed.Field);
        var invalid = Assert.Throws<InvalidJobSpecException>(() => jobs.Scheduler.Edit("nightly", edited.Spec with { Schedule = "hourly" }));
        Assert.Equal(JobSpecField.Schedule, invalid.Field);
        Assert.Equal("every 6h", jobs.Scheduler.Get("nightly")!.Spec.Schedule);
        Assert.Equal(LifeboatErrorReason.NotFound, Assert.Throws<LifeboatException>(() => jobs.Scheduler.Edit("nope", edited.Spec with { Name = "nope" })).Reason);
    }
}
