using Lifeboat.Server.Contracts.Notifications;
using System.Collections.Concurrent;
using Lifeboat.Server.Data;
using Lifeboat.Server.Health;
using Lifeboat.Server.Hosting;
using Lifeboat.Server.Inventory;
using Lifeboat.Server.Notifications;
using Lifeboat.Server.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lifeboat.Server.Tests.Health;

/// <summary>The server's backup health and its watcher over a <see cref="JobHarness"/>: real database and repository, the test's clock.</summary>
internal sealed class HealthHarness
{
    public HealthHarness(JobHarness jobs, ServerOptions options)
    {
        Jobs = jobs;
        Figures = new RepositoryFigures(new RepositoryRegistry(new RepositoryStore(jobs.Database)), jobs.Scheduler, jobs.Time);
        Health = new BackupHealth(jobs.Store, jobs.Scheduler, new VerificationStore(jobs.Database), Figures, options, jobs.Time);
        Watcher = new HealthWatcher(Health, jobs.Scheduler, Sink, options, jobs.Time, NullLogger<HealthWatcher>.Instance);
    }

    public JobHarness Jobs { get; }

    public RepositoryFigures Figures { get; }

    public BackupHealth Health { get; }

    public HealthWatcher Watcher { get; }

    public RecordingSink Sink { get; } = new();

    /// <summary>Options whose nearly-full threshold the test folder's file system passes: its use now, rounded down.</summary>
    public static ServerOptions FullAt(TestFolder folder)
    {
        var drive = new DriveInfo(folder.Path);
        var used = drive.TotalSize - drive.TotalFreeSpace;
        var percent = (int)Math.Floor(100.0 * used / (used + drive.AvailableFreeSpace));
        return new ServerOptions { DataDirectory = folder.Combine("data"), RepositoryFullPercent = Math.Clamp(percent, 1, 100) };
    }

    /// <summary>Waits until the watcher has checked after <paramref name="seen"/> checks.</summary>
    public Task WaitForCheckAfterAsync(long seen) => Wait.UntilAsync(() => Watcher.Checks > seen, () => $"the watcher made {Watcher.Checks} checks, not more than {seen}");

    /// <summary>What the watcher published, in order.</summary>
    public sealed class RecordingSink : INotificationSink
    {
        private readonly ConcurrentQueue<NotificationEvent> _events = new();

        public IReadOnlyList<NotificationEvent> Events => [.. _events];

        public int Count(NotificationKind kind) => _events.Count(e => e.Kind == kind);

        public void Publish(NotificationEvent notification) => _events.Enqueue(notification);
    }
}
