using System.Diagnostics;
using Lifeboat.Repository;
using Lifeboat.Server.Contracts.Repositories;
using Lifeboat.Server.Data;

namespace Lifeboat.Server.Inventory;

/// <summary>What a registered repository holds now, its size as a usage sample, and the quick check of its structure.</summary>
public static class RepositoryInspection
{
    /// <summary>The repository with its contents and file system; one that cannot be read says why in <see cref="RepositoryView.Problem"/>.</summary>
    public static RepositoryView View(RegisteredRepository registered)
    {
        var (used, free) = FileSystem(registered.Path);
        var view = new RepositoryView(registered.Path, registered.IsDefault, registered.AddedAt, FileSystemUsedBytes: used, FileSystemFreeBytes: free);
        try
        {
            using var repository = RepositoryRegistry.Open(registered.Path);
            var points = repository.ListRestorePoints();
            return view with
            {
                Encrypted = repository.Config.Encrypted,
                Vms = points.Select(p => p.Vm).Distinct(StringComparer.Ordinal).Count(),
                RestorePoints = points.Count,
                VmBytes = points.GroupBy(p => p.Vm, StringComparer.Ordinal).Sum(g => g.MaxBy(p => p.Time)!.LogicalBytes),
                LogicalBytes = points.Sum(p => p.LogicalBytes),
                StoredBytes = repository.GetStats().StoredBytes,
            };
        }
        catch (Exception e) when (e is RepositoryException or IOException or UnauthorizedAccessException or InvalidDataException)
        {
            return view with { Problem = e.Message };
        }
    }

    /// <exception cref="RepositoryException">The repository cannot be opened.</exception>
    public static RepositoryUsageSample Sample(string path, DateTimeOffset at)
    {
        using var repository = RepositoryRegistry.Open(path);
        var points = repository.ListRestorePoints();
        var (used, free) = FileSystem(path);
        return new RepositoryUsageSample(at, path, repository.GetStats().StoredBytes, points.Sum(p => p.LogicalBytes), points.Count, used, free);
    }

    /// <summary>
    /// Opens the repository (its config), reads every restore point's manifest and looks every chunk they name up in the
    /// pack indexes, with each pack file there and long enough; reads no chunk.
    /// </summary>
    public static RepositoryCheckView Check(string path, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var problems = new List<string>();
        var (points, chunks, packs, stored) = (0, 0L, 0, 0L);
        try
        {
            using var repository = RepositoryRegistry.Open(path);
            var list = repository.ListRestorePoints();
            points = list.Count;
            var stats = repository.GetStats();
            (chunks, packs, stored) = (stats.Chunks, stats.Packs, stats.StoredBytes);
            foreach (var point in list)
            {
                try
                {
                    var report = repository.CheckChunksPresent(point.Id, cancellationToken);
                    if (!report.Ok)
                    {
                        var first = report.Missing.Count > 0 ? $" (first: {report.Missing[0].Reason.TrimEnd('.')})" : "";
                        problems.Add($"Restore point {point.Id} of {point.Vm} misses {report.MissingChunks} chunk(s){first}; "
                            + "restore the repository's packs from a copy, or delete that restore point.");
                    }
                }
                catch (Exception e) when (e is RepositoryException or IOException or InvalidDataException)
                {
                    problems.Add($"Restore point {point.Id} of {point.Vm} cannot be read: {e.Message}");
                }
            }
        }
        catch (Exception e) when (e is RepositoryException or IOException or UnauthorizedAccessException or InvalidDataException)
        {
            problems.Add(e.Message);
        }

        return new RepositoryCheckView(path, problems.Count == 0, points, chunks, packs, stored, clock.Elapsed.TotalSeconds, problems);
    }

    /// <summary>Used and free bytes of the file system <paramref name="path"/> is on (one statfs); nulls when it cannot be read.</summary>
    public static (long? Used, long? Free) FileSystem(string path)
    {
        var space = FileSystemSpace(path);
        return (space.Used, space.Free);
    }

    /// <summary>The size, used and free bytes of the file system <paramref name="path"/> is on, or why it cannot be read.</summary>
    public static (long? Total, long? Used, long? Free, string? Problem) FileSystemSpace(string path)
    {
        try
        {
            // statvfs of the folder: its file system, whatever else shares it.
            var drive = new DriveInfo(path);
            var total = drive.TotalSize;
            return (total, total - drive.TotalFreeSpace, drive.AvailableFreeSpace, null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return (null, null, null, e.Message.TrimEnd('.'));
        }
    }
}
