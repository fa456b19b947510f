using Lifeboat.Server.Contracts.Notifications;
using Lifeboat.Server.Contracts;
using Lifeboat.Server.Contracts.Dashboard;
using Lifeboat.Server.Hosting;
using Lifeboat.Server.Jobs;
using Lifeboat.Server.Notifications;
using Lifeboat.Server.WebConsole;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Server.Health;

/// <summary>
/// Looks at backup health every <see cref="CheckInterval"/> and right after each job run, and tells the admins once per
/// episode: a VM that becomes overdue (<see cref="NotificationKind.VmOverdue"/>) and a repository whose file system
/// passes the server's threshold (<see cref="NotificationKind.RepositoryNearlyFull"/>). An episode ends when the VM gets
/// its restore point or the repository drops below the threshold; the next one is told again. Episodes are kept in
/// memory: after a restart, what is still wrong is told once more.
/// </summary>
public sealed class HealthWatcher(BackupHealth health, JobScheduler scheduler, INotificationSink sink, ServerOptions options, TimeProvider time,
    ILogger<HealthWatcher> logger) : BackgroundService
{
    public static readonly TimeSpan CheckInterval = TimeSpan.FromMinutes(5);

    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _runEnded = new(0, 1);
    private readonly HashSet<string> _overdue = new(StringComparer.Ordinal);
    private readonly HashSet<string> _nearlyFull = new(StringComparer.Ordinal);
    private long _checks;

    /// <summary>How many checks have run (tests wait for it).</summary>
    public long Checks => Interlocked.Read(ref _checks);

    /// <summary>Looks now and publishes what began since the last look.</summary>
    public void Check()
    {
        lock (_gate)
        {
            try
            {
                var figures = health.Compute();
                PublishOverdue(figures);
                PublishNearlyFull(figures);
            }
            catch (Exception e)
            {
                // Whatever went wrong (a damaged record, a database error), the watcher keeps watching.
                HealthLog.CheckFailed(logger, e, CheckInterval.TotalSeconds);
            }

            Interlocked.Increment(ref _checks);
        }
    }

    public override void Dispose()
    {
        base.Dispose();
        _runEnded.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The host's start goes on while the first check reads the repositories.
        await Task.Yield();
        // Made before the first check: a tick due while a check runs is not lost.
        using var timer = new PeriodicTimer(CheckInterval, time);
        scheduler.RunEnded += OnRunEnded;
        try
        {
            Task<bool>? tick = null;
            Task? ended = null;
            while (!stoppingToken.IsCancellationRequested)
            {
                Check();
                tick ??= timer.WaitForNextTickAsync(stoppingToken).AsTask();
                ended ??= _runEnded.WaitAsync(stoppingToken);
                var woke = await Task.WhenAny(tick, ended).ConfigureAwait(false);
                await woke.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                if (woke == tick)
                    tick = null;
                else
                    ended = null;
            }
        }
        finally
        {
            scheduler.RunEnded -= OnRunEnded;
        }
    }

    private void OnRunEnded(Lifeboat.Server.Contracts.Jobs.JobSpec job)
    {
        try
        {
            if (_runEnded.CurrentCount == 0)
                _runEnded.Release();
        }
        catch (Exception e) when (e is SemaphoreFullException or ObjectDisposedException)
        {
            // A wake-up is already pending, or the server is stopping.
        }
    }

    private void PublishOverdue(BackupHealthFigures figures)
    {
        var now = new HashSet<string>(StringComparer.Ordinal);
        foreach (var vm in figures.OverdueVms)
        {
            var key = vm.Job + "\n" + vm.Vm;
            now.Add(key);
            if (!_overdue.Add(key))
                continue;
            var newest = vm.NewestRestorePoint is { } point ? $"its newest restore point was taken {ZonedTime.Format(point, seconds: false)}" : "it has no restore point";
            sink.Publish(new NotificationEvent(NotificationKind.VmOverdue, vm.Vm,
                $"VM {vm.Vm} is overdue for a backup",
                $"Job {vm.Job} backs it up {vm.Schedule}, so a restore point was due by {ZonedTime.Format(vm.OverdueSince, seconds: false)}, but {newest}. "
                + "Look at the job's last runs and run it now.",
                figures.At, $"jobs/{Uri.EscapeDataString(vm.Job)}"));
        }

        _overdue.IntersectWith(now);
    }

    private void PublishNearlyFull(BackupHealthFigures figures)
    {
        var now = new HashSet<string>(StringComparer.Ordinal);
        foreach (var repository in figures.Repositories.Where(r => r.NearlyFull))
        {
            now.Add(repository.Path);
            if (!_nearlyFull.Add(repository.Path))
                continue;
            sink.Publish(new NotificationEvent(NotificationKind.RepositoryNearlyFull, repository.Path,
                $"Repository {repository.Path} is {repository.UsedPercent?.ToString("0", System.Globalization.CultureInfo.InvariantCulture)} % full",
                $"Its file system has {Show.Bytes(repository.FreeBytes)} free of {Show.Bytes(repository.TotalBytes)}, beyond the {options.RepositoryFullPercent} % "
                + "the server warns at. Keep fewer restore points (the jobs' keep-last), or give the repository more space.",
                figures.At, "repositories"));
        }

        _nearlyFull.IntersectWith(now);
    }
}
