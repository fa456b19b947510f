using System.Diagnostics;
using Lifeboat.Server.Contracts.Repositories;
using Lifeboat.Server.Data;
using Lifeboat.Server.Inventory;
using Lifeboat.Server.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lifeboat.Server.Tests.Repositories;

/// <summary>
/// The repository usage sampler on the scheduler of <see cref="JobHarness"/> (a real database and repository, the test's
/// clock): a sample at start, one after each job run, one a day, and old samples thinned so the table stays bounded.
/// </summary>
public sealed class RepositoryUsageSamplerTests
{
    private static readonly TimeSpan WaitTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_sample_is_recorded_at_start_after_every_job_run_and_daily_and_old_ones_are_thinned_to_one_a_day()
    {
        using var folder = new TestFolder();
        await using var harness = await JobHarness.StartAsync(folder);
        var usage = new RepositoryUsageStore(harness.Database);
        var registry = new RepositoryRegistry(new RepositoryStore(harness.Database));
        await using var sampler = new RepositoryUsageSampler(registry, usage, harness.Scheduler, harness.Time, NullLogger<RepositoryUsageSampler>.Instance);
        await sampler.StartAsync(CancellationToken.None);
        var repository = harness.Data.Repository;
        var first = Assert.Single(await WaitForSamplesAsync(usage, repository, 1));
        Assert.Equal((0, 0L, JobHarness.Start), (first.RestorePoints, first.LogicalBytes, first.At));
        Assert.NotNull(first.FileSystemFreeBytes);

        var disk = TestDisk.Create(folder.Combine("disk0.raw"), 2, seed: 1);
        harness.Scheduler.Add(JobHarness.DiskJob("nightly", "daily 02:00", keepLast: 5, retries: 0, disk));
        for (var run = 1; run <= 2; run++)
        {
            TestDisk.Change(disk, seed: 10 + run);
            harness.Scheduler.RunNow("nightly");
            await harness.WaitForEndedRunsAsync("nightly", run);
            var after = (await WaitForSamplesAsync(usage, repository, 1 + run))[^1];
            Assert.Equal((run, run * (2L << 20)), (after.RestorePoints, after.LogicalBytes));
            // The first run stores its random blocks whole (a little more, with their records' headers); the second only the changed MiB.
            Assert.True(after.StoredBytes > 0 && (run == 1 || after.DedupFactor > 1), $"stored {after.StoredBytes}, dedup {after.DedupFactor}");
        }

        // A day later (the job removed, so its 02:00 run adds nothing) the hourly look finds the newest sample a day old.
        harness.Scheduler.Remove("nightly");
        harness.Time.Advance(RepositoryUsageSampler.Interval);
        var daily = (await WaitForSamplesAsync(usage, repository, 4))[^1];
        Assert.Equal(JobHarness.Start + RepositoryUsageSampler.Interval, daily.At);

        // Old samples: three a day from 70 to 31 days ago, and one 500 days ago; a record thins them.
        var now = harness.Time.GetUtcNow();
        for (var day = 31; day <= 70; day++)
        {
            foreach (var hour in new[] { 1, 9, 17 })
                usage.Add(Sample(repository, new DateTimeOffset(now.AddDays(-day).UtcDateTime.Date.AddHours(hour), TimeSpan.Zero), storedBytes: day * 100 + hour));
        }

        usage.Add(Sample(repository, now.AddDays(-500), storedBytes: 1));
        Assert.True(sampler.Record(repository));
        var kept = usage.List(repository);
        var old = kept.Where(s => s.At < now - RepositoryUsageStore.DetailedFor).ToList();
        Assert.Equal(40, old.Count);
        Assert.All(old, s => Assert.Equal(17, s.At.UtcDateTime.Hour));
        Assert.Equal(40 + 5, kept.Count);
        Assert.DoesNotContain(kept, s => s.StoredBytes == 1);
    }

    private static RepositoryUsageSample Sample(string repository, DateTimeOffset at, long storedBytes) =>
        new(at, repository, storedBytes, 2 * storedBytes, 1, 10, 20);

    private static async Task<IReadOnlyList<RepositoryUsageSample>> WaitForSamplesAsync(RepositoryUsageStore usage, string repository, int count)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var samples = usage.List(repository);
            if (samples.Count >= count)
                return samples;
            if (clock.Elapsed > WaitTimeout)
                throw new TimeoutException($"{repository} has {samples.Count} usage samples, not {count}.");
            await Task.Delay(20);
        }
    }
}
