using Lifeboat.Repository;
using Lifeboat.Server.Contracts.Jobs;
using Lifeboat.Server.Contracts.Repositories;
using Lifeboat.Server.Data;
using Lifeboat.Server.Jobs;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Server.Inventory;

/// <summary>
/// Records the repositories' sizes for their history: after every job run, into the job's repository, and for every
/// registered repository whose newest sample is <see cref="Interval"/> old (at start, then as the clock of the
/// <see cref="TimeProvider"/> passes). Each record thins old samples (<see cref="RepositoryUsageStore"/>), so the table
/// stays bounded.
/// </summary>
public sealed class RepositoryUsageSampler(
    RepositoryRegistry registry, RepositoryUsageStore store, JobScheduler jobs, TimeProvider time, ILogger<RepositoryUsageSampler> logger)
    : IHostedService, IAsyncDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromDays(1);

    /// <summary>How often the loop looks for a repository due a sample: a day's sample is at most this late.</summary>
    public static readonly TimeSpan LookEvery = TimeSpan.FromHours(1);

    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private Task _loop = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        jobs.RunEnded += OnRunEnded;
        _loop = Task.Run(LoopAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        jobs.RunEnded -= OnRunEnded;
        if (_stopping.IsCancellationRequested)
            return;
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        _stopping.Dispose();
    }

    /// <summary>Records a sample of <paramref name="path"/> now; false (and a log line) when it cannot be read.</summary>
    public bool Record(string path)
    {
        RepositoryUsageSample sample;
        try
        {
            sample = RepositoryInspection.Sample(path, time.GetUtcNow());
        }
        catch (Exception e) when (e is RepositoryException or IOException or UnauthorizedAccessException or InvalidDataException)
        {
            RepositoryUsageLog.SampleFailed(logger, path, e.Message);
            return false;
        }

        lock (_gate)
        {
            store.Add(sample);
            var deleted = store.Thin(time.GetUtcNow());
            if (deleted > 0)
                RepositoryUsageLog.Thinned(logger, deleted);
        }

        return true;
    }

    /// <summary>Samples every registered repository whose newest sample is <see cref="Interval"/> old or that has none.</summary>
    public void RecordDue()
    {
        var now = time.GetUtcNow();
        foreach (var repository in registry.List())
        {
            if (store.LatestAt(repository.Path) is not { } latest || now - latest >= Interval)
                Record(repository.Path);
        }
    }

    private void OnRunEnded(JobSpec spec)
    {
        if (spec.Repository is not { } path)
            return;
        try
        {
            Record(RepositoryUnregistration.Canonical(path));
        }
        catch (Microsoft.Data.Sqlite.SqliteException e)
        {
            // The run has ended whatever happens here; the daily look records the repository later.
            RepositoryUsageLog.SampleFailed(logger, path, e.Message);
        }
    }

    private async Task LoopAsync()
    {
        var stopping = _stopping.Token;
        while (!stopping.IsCancellationRequested)
        {
            var wait = LookEvery;
            try
            {
                RecordDue();
            }
            catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or IOException or InvalidDataException)
            {
                RepositoryUsageLog.LoopFailed(logger, e, wait.TotalHours);
            }

            try
            {
                await Task.Delay(wait, time, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
