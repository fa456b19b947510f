using Lifeboat.Repository;
using Lifeboat.Server.Inventory;
using Lifeboat.Server.Jobs;

namespace Lifeboat.Server.Health;

/// <summary>
/// Every registered repository's space, stored bytes and restore points, read at most every <see cref="MaxAge"/>:
/// opening a repository and listing its restore points costs reading its index and manifests, and the dashboard
/// refreshes every few seconds. A job run's end makes the next read fresh, so a new restore point shows at once.
/// </summary>
public sealed class RepositoryFigures
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(30);

    private readonly RepositoryRegistry _registry;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private (DateTimeOffset At, IReadOnlyList<RepositoryReading> Readings)? _cached;

    public RepositoryFigures(RepositoryRegistry registry, JobScheduler scheduler, TimeProvider time)
    {
        _registry = registry;
        _time = time;
        scheduler.RunEnded += _ => Invalidate();
    }

    public IReadOnlyList<RepositoryReading> Read()
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            if (_cached is { } cached && now - cached.At < MaxAge && now >= cached.At)
                return cached.Readings;
            var readings = _registry.List().Select(ReadOne).ToList();
            _cached = (now, readings);
            return readings;
        }
    }

    public void Invalidate()
    {
        lock (_gate)
            _cached = null;
    }

    private static RepositoryReading ReadOne(Data.RegisteredRepository repository)
    {
        var (total, used, available, problem) = RepositoryInspection.FileSystemSpace(repository.Path);
        var error = problem is null ? null : $"The file system of {repository.Path} could not be read ({problem}).";

        try
        {
            using var opened = RepositoryRegistry.Open(repository.Path);
            var points = opened.ListRestorePoints();
            var newest = points.GroupBy(p => p.Vm, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Max(p => p.Time), StringComparer.Ordinal);
            return new RepositoryReading(repository, total, available, used, opened.GetStats().StoredBytes, points.Sum(p => p.LogicalBytes), points.Count, newest, error);
        }
        catch (Exception e) when (e is RepositoryException or IOException or UnauthorizedAccessException or InvalidDataException)
        {
            return new RepositoryReading(repository, total, available, used, null, null, 0, new Dictionary<string, DateTimeOffset>(),
                error ?? $"The repository at {repository.Path} could not be read ({e.Message.TrimEnd('.')}); check that it is there and readable.");
        }
    }
}
