using Lifeboat.Server.Contracts.Notifications;
using Lifeboat.Server.Notifications;
using Lifeboat.Server.Tests.Support;

namespace Lifeboat.Server.Tests.Health;

/// <summary>
/// The watcher on the test's clock: it checks at start, every five minutes and after each job run, and publishes a
/// VM overdue and a repository nearly full once per episode; a VM overdue again after a good run is a new episode.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class HealthWatcherTests
{
    [Fact]
    public async Task An_overdue_VM_and_a_nearly_full_repository_are_published_once_per_episode()
    {
        using var folder = new TestFolder();
        // At the real time: the repository's restore points carry the real clock's time, and the watcher compares them.
        await using var jobs = await JobHarness.StartAsync(folder, start: DateTimeOffset.UtcNow);
        var health = new HealthHarness(jobs, HealthHarness.FullAt(folder));
        var disk = folder.Combine("flaky.raw");
        jobs.Scheduler.Add(JobHarness.DiskJob("flaky", "every 1h", keepLast: 3, retries: 0, disk));
        await health.Watcher.StartAsync(CancellationToken.None);
        try
        {
            await health.WaitForCheckAfterAsync(0);
            var full = Assert.Single(health.Sink.Events);
            Assert.Equal((NotificationKind.RepositoryNearlyFull, jobs.Data.Repository, "repositories"), (full.Kind, full.Subject, full.ConsolePath));
            Assert.Contains("% full", full.Title, StringComparison.Ordinal);

            // An hour on, the scheduled run fails (no disk): the watcher looks after it, and the VM is not overdue yet.
            var seen = health.Watcher.Checks;
            jobs.Time.Advance(TimeSpan.FromHours(1));
            await jobs.WaitForEndedRunsAsync("flaky", 1);
            await health.WaitForCheckAfterAsync(seen);
            Assert.Equal(0, health.Sink.Count(NotificationKind.VmOverdue));

            // Past the hour and its grace: overdue, told once, and not again at the next checks.
            jobs.Time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(1));
            await jobs.WaitForEndedRunsAsync("flaky", 2);
            await Wait.UntilAsync(() => health.Sink.Count(NotificationKind.VmOverdue) == 1, () => $"{health.Sink.Events.Count} events");
            var overdue = health.Sink.Events.Single(e => e.Kind == NotificationKind.VmOverdue);
            Assert.Equal(("flaky-vm", "jobs/flaky"), (overdue.Subject, overdue.ConsolePath));
            Assert.Contains("Job flaky backs it up every 1h", overdue.Text, StringComparison.Ordinal);
            for (var i = 0; i < 2; i++)
            {
                seen = health.Watcher.Checks;
                jobs.Time.Advance(TimeSpan.FromMinutes(5));
                await health.WaitForCheckAfterAsync(seen);
            }

            Assert.Equal((1, 1), (health.Sink.Count(NotificationKind.VmOverdue), health.Sink.Count(NotificationKind.RepositoryNearlyFull)));

            // A good run ends the episode; two hours of failed runs later the VM is overdue again, and told again.
            TestDisk.Create(disk, 1, seed: 5);
            seen = health.Watcher.Checks;
            jobs.Scheduler.RunNow("flaky");
            await jobs.WaitForEndedRunsAsync("flaky", 3);
            await health.WaitForCheckAfterAsync(seen);
            File.Delete(disk);
            jobs.Time.Advance(TimeSpan.FromHours(1));
            await jobs.WaitForEndedRunsAsync("flaky", 4);
            jobs.Time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(1));
            await jobs.WaitForEndedRunsAsync("flaky", 5);
            await Wait.UntilAsync(() => health.Sink.Count(NotificationKind.VmOverdue) == 2, () => $"{health.Sink.Events.Count} events");
            Assert.Equal(1, health.Sink.Count(NotificationKind.RepositoryNearlyFull));
        }
        finally
        {
            await health.Watcher.StopAsync(CancellationToken.None);
            health.Watcher.Dispose();
        }
    }
}
