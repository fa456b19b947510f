using System.Diagnostics;
using Lifeboat.Repository;
using Lifeboat.Server.Contracts.Jobs;
using Lifeboat.Server.Data;
using Lifeboat.Server.Hosting;
using Lifeboat.Server.Inventory;
using Lifeboat.Server.Jobs;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Lifeboat.Server.Tests.Support;

/// <summary>
/// The server's job scheduler in the test's process, on a real database and a real repository, with the test's
/// clock: the test moves time and the scheduler's timers fire, nothing sleeps.
/// </summary>
public sealed class JobHarness : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan WaitTimeout = TimeSpan.FromSeconds(60);

    private readonly ServerDatabase _database;

    /// <summary>The database the scheduler keeps its jobs in, for the other stores a test puts beside it.</summary>
    public ServerDatabase Database => _database;

    private JobHarness(TestFolder folder, FakeTimeProvider time, IVmBackupRunner? backups)
    {
        Folder = folder;
        Time = time;
        Data = new DataFolder(folder.Combine("data"));
        Directory.CreateDirectory(Data.Root);
        using (BackupRepository.Init(Data.Repository, new RepositoryOptions(), password: null))
        {
        }

        _database = ServerDatabase.Open(Data.Database);
        Store = new JobStore(_database);
        var repositories = new RepositoryStore(_database);
        repositories.Add(Data.Repository, isDefault: true);
        Backups = backups ?? new VmBackupRunner(NullLoggerFactory.Instance);
        Scheduler = NewScheduler(new RepositoryRegistry(repositories));
    }

    public TestFolder Folder { get; }

    public FakeTimeProvider Time { get; }

    public DataFolder Data { get; }

    public JobStore Store { get; }

    public IVmBackupRunner Backups { get; }

    public RetentionGate Retention { get; } = new();

    public JobScheduler Scheduler { get; private set; }

    /// <param name="start">The clock's start; <see cref="Start"/> by default. A test that compares it with restore points'
    /// times (the repository takes them from the real clock) starts it at the real time.</param>
    public static async Task<JobHarness> StartAsync(TestFolder folder, IVmBackupRunner? backups = null, DateTimeOffset? start = null)
    {
        var harness = new JobHarness(folder, new FakeTimeProvider(start ?? Start), backups);
        await harness.Scheduler.StartAsync(CancellationToken.None);
        return harness;
    }

    /// <summary>A job of disk files into the server's repository.</summary>
    public static JobSpec DiskJob(string name, string schedule, int keepLast, int retries, params string[] disks) =>
        new(name, name + "-vm", new JobSource(JobSourceKind.Disks, DiskPaths: disks), schedule, keepLast, Retries: retries);

    /// <summary>Stops the scheduler and starts a new one on the same database, as a restarted server does.</summary>
    public async Task RestartAsync(Action? whileStopped = null)
    {
        await Scheduler.DisposeAsync();
        whileStopped?.Invoke();
        Scheduler = NewScheduler(new RepositoryRegistry(new RepositoryStore(_database)));
        await Scheduler.StartAsync(CancellationToken.None);
    }

    /// <summary>Waits (in real time: runs do real I/O) until the job's history holds <paramref name="count"/> ended runs.</summary>
    public async Task<IReadOnlyList<JobRunView>> WaitForEndedRunsAsync(string job, int count)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var runs = Scheduler.History(job);
            if (runs.Count(r => r.IsFinal) >= count && Scheduler.Get(job) is { Running: false })
                return runs;
            if (clock.Elapsed > WaitTimeout)
                throw new TimeoutException($"Job {job} has {runs.Count(r => r.IsFinal)} ended runs, not {count}: {string.Join("; ", runs.Select(r => $"{r.Outcome} {r.Error}"))}");
            await Task.Delay(20);
        }
    }

    public IReadOnlyList<RestorePointInfo> RestorePoints(string vm)
    {
        using var repository = BackupRepository.Open(Data.Repository, password: null);
        return repository.ListRestorePoints(vm);
    }

    public async ValueTask DisposeAsync()
    {
        await Scheduler.DisposeAsync();
        _database.Dispose();
    }

    private JobScheduler NewScheduler(RepositoryRegistry registry) =>
        new(Store, registry, Backups, Retention, Data, Time, NullLogger<JobScheduler>.Instance);
}
