using System.Buffers;
using Lifeboat.Repository.Chunks;
using Lifeboat.Repository.Crypto;
using Lifeboat.Repository.Manifests;
using Lifeboat.Repository.Packs;
using Lifeboat.Repository.Storage;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Repository.Maintenance;

/// <summary>
/// Under the exclusive lock: delete a VM's older manifests (never a protected one), or one manifest by id, then collect garbage. Live chunks are those some
/// remaining manifest references. Packs with no live chunk are deleted (index first, then pack); packs that
/// are mostly dead have their live records copied into new packs, which are made durable and indexed before
/// the old index and then the old pack are deleted. Orphan packs and `tmp/` leftovers of interrupted
/// backups go too: nothing can be in flight while the exclusive lock is held.
/// </summary>
internal sealed class RetentionOperation
{
    /// <summary>A pack whose live records are less than this share of it is rewritten.</summary>
    private const double RepackBelowLiveShare = 0.5;

    private readonly RepositoryLayout _layout;
    private readonly RepositoryIndex _index;
    private readonly RestorePointCatalog _catalog;
    private readonly RepositoryKeys _keys;
    private readonly ILogger _logger;

    public RetentionOperation(RepositoryLayout layout, RepositoryIndex index, RestorePointCatalog catalog, RepositoryKeys keys, ILogger logger)
    {
        _layout = layout;
        _index = index;
        _catalog = catalog;
        _keys = keys;
        _logger = logger;
    }

    public long PackTargetLength { get; init; } = PackWriter.TargetLength;

    /// <summary>
    /// Keeps the newest <paramref name="keepLast"/> unprotected restore points of <paramref name="vm"/>: protected ones
    /// are kept besides them and do not count toward the number.
    /// </summary>
    public RetentionResult Run(string vm, int keepLast, CancellationToken cancellationToken)
    {
        if (keepLast < 1)
        {
            throw new RepositoryException("Retention must keep at least one restore point; keep the newest 1 or more.");
        }

        using var exclusive = RepositoryLock.AcquireExclusive(_layout);
        var points = LoadHeaders();
        var protectedIds = _catalog.Protection.ProtectedIds();
        var remove = points
            .Where(p => string.Equals(p.Vm, vm, StringComparison.Ordinal) && !protectedIds.Contains(p.Id))
            .OrderBy(p => p.Time).ThenBy(p => p.Id, StringComparer.Ordinal)
            .SkipLast(keepLast)
            .Select(p => p.Id)
            .ToList();
        return RemoveAndCollect(points, remove, cancellationToken);
    }

    /// <summary>Deletes one restore point, refused while it is protected, then collects what nothing references any more.</summary>
    public RetentionResult Delete(string id, CancellationToken cancellationToken)
    {
        using var exclusive = RepositoryLock.AcquireExclusive(_layout);
        var point = _catalog.GetById(id);
        if (point.Protected)
        {
            throw new RepositoryException($"Restore point {point.Id} is protected; unprotect it first.");
        }

        return RemoveAndCollect(LoadHeaders(), [point.Id], cancellationToken);
    }

    private List<ManifestHeader> LoadHeaders() => [.. _catalog.ListIds().Select(id => LoadOrStop(id, withBlockMaps: false).Header)];

    private RetentionResult RemoveAndCollect(List<ManifestHeader> points, List<string> remove, CancellationToken cancellationToken)
    {
        foreach (string id in remove)
        {
            File.Delete(_layout.RestorePointPath(id));
            _catalog.Forget(id);
            RepositoryLog.RestorePointRemoved(_logger, id);
        }

        if (remove.Count > 0)
        {
            DurableFile.SyncDirectory(_layout.RestorePointsDirectory);
        }

        var remaining = points.Select(p => p.Id).Except(remove, StringComparer.Ordinal).ToList();
        var (deleted, rewritten, freed) = CollectGarbage(remaining, cancellationToken);
        _index.Refresh();
        return new RetentionResult(remove, deleted, rewritten, freed);
    }

    private (int Deleted, int Rewritten, long Freed) CollectGarbage(List<string> manifestIds, CancellationToken cancellationToken)
    {
        var live = new HashSet<ChunkId>();
        foreach (string id in manifestIds)
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var map in LoadOrStop(id, withBlockMaps: true).BlockMaps)
            {
                foreach (var chunk in map)
                {
                    if (!chunk.IsZero)
                    {
                        live.Add(chunk);
                    }
                }
            }
        }

        foreach (string file in Directory.EnumerateFiles(_layout.TmpDirectory))
        {
            DurableFile.TryDelete(file);
        }

        long freed = 0;
        int deleted = 0;
        var indexed = RepositoryIndex.ListIndexedPacks(_layout);
        foreach (string pack in Directory.EnumerateFiles(_layout.PacksDirectory, "*" + RepositoryLayout.PackExtension, SearchOption.AllDirectories))
        {
            string packId = Path.GetFileNameWithoutExtension(pack);
            if (PackId.IsValid(packId) && !indexed.Contains(packId))
            {
                freed += FileLength(pack);
                File.Delete(pack);
                deleted++;
                RepositoryLog.PackDeleted(_logger, packId, "orphan of an interrupted backup");
            }
        }

        var plan = Plan(indexed, live);
        var toDelete = plan.Where(p => p.LiveBytes == 0).Select(p => p.PackId).ToList();
        freed += DeletePacks(toDelete, "no live chunks");
        deleted += toDelete.Count;
        var (rewritten, repackFreed) = Repack(plan.Where(p => p.LiveBytes > 0 && p.Repack).ToList(), cancellationToken);
        return (deleted, rewritten, freed + repackFreed);
    }

    private List<PackPlan> Plan(HashSet<string> indexed, HashSet<ChunkId> live)
    {
        var plan = new List<PackPlan>();
        foreach (string packId in indexed.Order(StringComparer.Ordinal))
        {
            // An unreadable index means unknown contents: keep that pack (verify reports it).
            var entries = _index.TryLoad(packId, out _);
            if (entries is null)
            {
                continue;
            }

            long total = entries.Sum(e => (long)e.RecordLength);
            var liveEntries = entries.Where(e => live.Contains(e.Id)).ToList();
            long liveBytes = liveEntries.Sum(e => (long)e.RecordLength);
            plan.Add(new PackPlan(packId, liveEntries, liveBytes, liveBytes < total * RepackBelowLiveShare));
        }

        // A chunk kept by a pack that stays needs no copy from a pack being rewritten.
        var kept = plan.Where(p => !p.Repack).SelectMany(p => p.LiveEntries).Select(e => e.Id).ToHashSet();
        foreach (var pack in plan.Where(p => p.Repack))
        {
            pack.LiveEntries.RemoveAll(e => !kept.Add(e.Id));
        }

        return plan;
    }

    private (int Rewritten, long Freed) Repack(List<PackPlan> packs, CancellationToken cancellationToken)
    {
        int rewritten = 0;
        long freed = 0;
        PackWriter? writer = null;
        var copied = new List<string>();
        var record = ArrayPool<byte>.Shared.Rent(ChunkDecoder.RecordLength(ChunkRecordHeader.MaxStoredLength(RepositoryOptions.MaxBlockSize, encrypted: true)));
        try
        {
            foreach (var pack in packs)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using (var handle = OpenPack(pack.PackId))
                {
                    foreach (var entry in pack.LiveEntries.OrderBy(e => e.Offset))
                    {
                        var bytes = record.AsSpan(0, entry.RecordLength);
                        ReadExactly(handle, bytes, entry.Offset, pack.PackId);
                        writer ??= PackWriter.Create(_layout, _keys.Cipher, PackTargetLength);
                        writer.Append(entry, bytes);
                        if (writer.IsFull)
                        {
                            freed -= CommitRepacked(writer);
                            writer = null;
                            freed += DeletePacks(copied, "rewritten");
                            copied.Clear();
                        }
                    }
                }

                copied.Add(pack.PackId);
                rewritten++;
                RepositoryLog.PackRewritten(_logger, pack.PackId, pack.LiveEntries.Count);
            }

            if (writer is not null)
            {
                freed -= CommitRepacked(writer);
                writer = null;
            }

            freed += DeletePacks(copied, "rewritten");
            return (rewritten, freed);
        }
        catch
        {
            writer?.Abort();
            throw;
        }
        finally
        {
            writer?.Dispose();
            ArrayPool<byte>.Shared.Return(record);
        }
    }

    private long CommitRepacked(PackWriter writer)
    {
        var staged = writer.Complete();
        writer.Dispose();
        DurableFile.Commit(_layout.StagedIndexPath(staged.PackId), _layout.IndexPath(staged.PackId));
        return staged.Length;
    }

    /// <summary>Deletes packs index-first (durably) so no index ever points at a deleted pack; returns bytes freed.</summary>
    private long DeletePacks(List<string> packIds, string reason)
    {
        if (packIds.Count == 0)
        {
            return 0;
        }

        foreach (string packId in packIds)
        {
            File.Delete(_layout.IndexPath(packId));
        }

        DurableFile.SyncDirectory(_layout.IndexDirectory);
        long freed = 0;
        foreach (string packId in packIds)
        {
            string path = _layout.PackPath(packId);
            freed += FileLength(path);
            File.Delete(path);
            RepositoryLog.PackDeleted(_logger, packId, reason);
        }

        return freed;
    }

    private RestorePointManifest LoadOrStop(string id, bool withBlockMaps) =>
        _catalog.TryLoad(id, withBlockMaps, out string? problem)
        ?? throw new RepositoryException($"Restore point file '{_layout.RestorePointPath(id)}' is damaged ({problem}); retention stopped so that nothing it references is deleted: verify the repository and remove or repair that file.", RepositoryRemedy.Verify);

    private static void ReadExactly(Microsoft.Win32.SafeHandles.SafeFileHandle handle, Span<byte> buffer, long offset, string packId)
    {
        int done = 0;
        while (done < buffer.Length)
        {
            int n = RandomAccess.Read(handle, buffer[done..], offset + done);
            if (n == 0)
            {
                throw new RepositoryException($"Pack {packId} is shorter than its index says; verify the repository before retention.", RepositoryRemedy.Verify);
            }

            done += n;
        }
    }

    private Microsoft.Win32.SafeHandles.SafeFileHandle OpenPack(string packId)
    {
        try
        {
            return File.OpenHandle(_layout.PackPath(packId), FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new RepositoryException($"Pack file '{_layout.PackPath(packId)}' is listed in the index but missing; verify the repository to see which restore points it affects.", RepositoryRemedy.Verify, ex);
        }
    }

    private static long FileLength(string path)
    {
        try
        {
            return new FileInfo(path).Length;
        }
        catch (FileNotFoundException)
        {
            return 0;
        }
    }

    private sealed record PackPlan(string PackId, List<PackIndexEntry> LiveEntries, long LiveBytes, bool Repack);
}
