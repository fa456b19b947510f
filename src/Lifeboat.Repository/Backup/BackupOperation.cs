using System.Diagnostics;
using Lifeboat.Repository.DiskImages;
using Lifeboat.Repository.Manifests;
using Lifeboat.Repository.Packs;
using Lifeboat.Repository.Storage;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Repository.Backup;

/// <summary>
/// One backup: open the disks, run the pipeline under the shared lock, then commit in the crash-safe order
/// (manifest durable in tmp/, indexes renamed into index/, manifest renamed into restore-points/). Any
/// failure deletes what this backup wrote, so no partial state is left visible.
/// </summary>
internal sealed class BackupOperation
{

    private readonly RepositoryLayout _layout;
    private readonly RepositoryIndex _index;
    private readonly RestorePointCatalog _catalog;
    private readonly BackupSettings _settings;
    private readonly Func<string, IDiskSource> _openDisk;
    private readonly ILogger _logger;

    public BackupOperation(
        RepositoryLayout layout,
        RepositoryIndex index,
        RestorePointCatalog catalog,
        BackupSettings settings,
        Func<string, IDiskSource> openDisk,
        ILogger logger)
    {
        _layout = layout;
        _index = index;
        _catalog = catalog;
        _settings = settings;
        _openDisk = openDisk;
        _logger = logger;
    }

    public async Task<RestorePointInfo> RunAsync(BackupRequest request, IProgress<BackupProgress>? progress, CancellationToken cancellationToken)
    {
        Validate(request);
        var vmConfig = request.VmConfigText is { } text ? ParseVmConfig(text, "The VM's recorded hardware")
            : request.VmConfigPath is null ? null : ReadVmConfig(request.VmConfigPath);
        if (request.Disks is { } given)
        {
            using var sharedLock = RepositoryLock.AcquireShared(_layout);
            var sources = given.Select(d => new DiskSourceEntry(d.Source, d.Name, d.SourcePath)).ToList();
            return await BackUpAsync(request, vmConfig, sources, progress, cancellationToken).ConfigureAwait(false);
        }

        var disks = new List<IDiskSource>();
        try
        {
            foreach (string path in request.DiskPaths)
            {
                disks.Add(OpenDisk(path));
            }

            using var repositoryLock = RepositoryLock.AcquireShared(_layout);
            var sources = disks.Select((d, i) =>
            {
                string fullPath = Path.GetFullPath(request.DiskPaths[i]);
                return new DiskSourceEntry(d, Path.GetFileName(fullPath), fullPath);
            }).ToList();
            return await BackUpAsync(request, vmConfig, sources, progress, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var disk in disks)
            {
                disk.Dispose();
            }
        }
    }

    private async Task<RestorePointInfo> BackUpAsync(
        BackupRequest request,
        ManifestVmConfig? vmConfig,
        List<DiskSourceEntry> entries,
        IProgress<BackupProgress>? progress,
        CancellationToken cancellationToken)
    {
        var disks = entries.Select(e => e.Source).ToList();
        var stopwatch = Stopwatch.StartNew();
        var chunkIndex = _index.Refresh();
        long blockMapBytes = disks.Sum(d => (d.Length + _settings.BlockSize - 1) / _settings.BlockSize * Chunks.ChunkId.Size);
        if (blockMapBytes > ManifestFile.MaxBlockMapBytes)
        {
            throw new RepositoryException($"These disks are too large for block size {_settings.BlockSize} (block maps over 1 GiB); back them up into a repository created with a larger block size.");
        }

        var time = DateTimeOffset.UtcNow;
        string id = NewRestorePointId(time);
        var earlier = _catalog.List(request.Vm);
        string? parentId = earlier.Count > 0 ? earlier[^1].Id : null;
        // A VM's hardware rarely changes between backups: without --vm-config, keep what its last backup recorded.
        vmConfig ??= parentId is null ? null : _catalog.TryLoad(parentId, withBlockMaps: false, out _)?.Header.VmConfig;
        var counters = new BackupCounters { TotalBytes = disks.Sum(d => d.Length) };
        RepositoryLog.BackupStarted(_logger, request.Vm, id, disks.Count, counters.TotalBytes);
        var plans = PlanReads(entries);
        var pipeline = new BackupPipeline(_layout, _settings, chunkIndex, disks, entries.Select(e => e.SourcePath).ToList(), plans, counters);
        using var reporting = new CancellationTokenSource();
        var reporter = PeriodicProgress.RunAsync(progress, counters.Snapshot, reporting.Token);
        bool committed = false;
        try
        {
            await pipeline.RunAsync(cancellationToken).ConfigureAwait(false);
            var manifest = BuildManifest(id, request, time, parentId, vmConfig, entries, plans, pipeline);
            Commit(manifest, pipeline.StagedPacks, ref committed);
        }
        catch (Exception ex) when (Translate(ex) is { } translated)
        {
            RepositoryLog.BackupAbandoned(_logger, id, translated.Message);
            throw translated;
        }
        finally
        {
            await reporting.CancelAsync().ConfigureAwait(false);
            await reporter.ConfigureAwait(false);
            if (!committed)
            {
                pipeline.Abort();
                DurableFile.TryDelete(_layout.StagedRestorePointPath(id));
            }
        }

        foreach (var staged in pipeline.StagedPacks)
        {
            _index.Add(staged.PackId, staged.Entries);
        }

        progress?.Report(counters.Snapshot());
        RepositoryLog.BackupCommitted(_logger, id, counters.NewChunks, counters.DedupChunks, counters.StoredBytes, stopwatch.ElapsedMilliseconds);
        return _catalog.Get(id, vm: null);
    }

    private RestorePointManifest BuildManifest(
        string id,
        BackupRequest request,
        DateTimeOffset time,
        string? parentId,
        ManifestVmConfig? vmConfig,
        List<DiskSourceEntry> entries,
        List<DiskReadPlan> plans,
        BackupPipeline pipeline)
    {
        var manifestDisks = new List<ManifestDisk>(entries.Count);
        for (int d = 0; d < entries.Count; d++)
        {
            var entry = entries[d];
            long zeroBlocks = pipeline.BlockMaps[d].LongCount(b => b.IsZero);
            var tracking = entry.Source is IIncrementalDiskSource incremental
                ? new DiskChangeTracking(
                    incremental.TrackingId,
                    plans[d].BaseBlockMap is null ? null : incremental.BaseRestorePointId,
                    plans[d].BaseBlockMap is null ? entry.FullReadReason ?? incremental.FullReadReason : null,
                    pipeline.BytesReadPerDisk[d])
                : null;
            manifestDisks.Add(new ManifestDisk(
                d, entry.Name, entry.SourcePath, entry.Source.Format, entry.Source.Length, _settings.BlockSize, zeroBlocks, pipeline.StoredBytesPerDisk[d], tracking));
        }

        var header = new ManifestHeader(id, request.Vm, time, parentId, vmConfig, manifestDisks, request.Consistency);
        return new RestorePointManifest(header, pipeline.BlockMaps);
    }

    /// <summary>
    /// Publishes the restore point. <paramref name="published"/> turns true the moment the manifest is visible:
    /// from then on nothing of this backup may be cleaned up, even if the final fsync fails.
    /// </summary>
    private void Commit(RestorePointManifest manifest, List<StagedPack> staged, ref bool published)
    {
        string id = manifest.Header.Id;
        DurableFile.WriteNew(_layout.StagedRestorePointPath(id), ManifestFile.Encode(manifest, _settings.Keys.Cipher));
        var moved = new List<string>();
        try
        {
            foreach (var pack in staged)
            {
                File.Move(_layout.StagedIndexPath(pack.PackId), _layout.IndexPath(pack.PackId));
                moved.Add(pack.PackId);
            }

            if (moved.Count > 0)
            {
                DurableFile.SyncDirectory(_layout.IndexDirectory);
            }

            File.Move(_layout.StagedRestorePointPath(id), _layout.RestorePointPath(id));
            published = true;
            DurableFile.SyncDirectory(_layout.RestorePointsDirectory);
        }
        catch when (!published)
        {
            // The index must go before its pack, or a reader could find an index pointing at nothing.
            foreach (string packId in moved)
            {
                DurableFile.TryDelete(_layout.IndexPath(packId));
            }

            throw;
        }
    }

    /// <summary>
    /// An incremental disk reads only its changes when its base restore point is there with a disk of the same size;
    /// otherwise it is read whole (deduplicated anyway), and the reason is logged and recorded.
    /// </summary>
    private List<DiskReadPlan> PlanReads(List<DiskSourceEntry> entries)
    {
        var plans = new List<DiskReadPlan>(entries.Count);
        var bases = new Dictionary<string, RestorePointManifest?>(StringComparer.Ordinal);
        for (int d = 0; d < entries.Count; d++)
        {
            var entry = entries[d];
            if (entry.Source is not IIncrementalDiskSource incremental)
            {
                plans.Add(DiskReadPlan.Full);
                continue;
            }

            string? reason = incremental.FullReadReason;
            if (incremental.BaseRestorePointId is { } baseId)
            {
                if (!bases.TryGetValue(baseId, out var manifest))
                {
                    manifest = _catalog.TryLoad(baseId, withBlockMaps: true, out _);
                    bases[baseId] = manifest;
                }

                reason = manifest is null ? $"its base restore point {baseId} is gone or unreadable"
                    : d >= manifest.Header.Disks.Count ? $"its base restore point {baseId} has no disk {d}"
                    : manifest.Header.Disks[d].Size != entry.Source.Length ? $"it was resized since restore point {baseId}"
                    : null;
                if (reason is null)
                {
                    plans.Add(new DiskReadPlan(manifest!.BlockMaps[d], incremental.GetChangedRanges()));
                    RepositoryLog.ReadingChanges(_logger, entry.Name, baseId);
                    continue;
                }
            }

            reason ??= "no change tracking is known for it";
            entry.FullReadReason = reason;
            RepositoryLog.ReadingWhole(_logger, entry.Name, reason);
            plans.Add(DiskReadPlan.Full);
        }

        return plans;
    }

    private string NewRestorePointId(DateTimeOffset time)
    {
        while (true)
        {
            string id = RestorePointId.New(time);
            if (!File.Exists(_layout.RestorePointPath(id)) && !File.Exists(_layout.StagedRestorePointPath(id)))
            {
                return id;
            }
        }
    }

    private IDiskSource OpenDisk(string path)
    {
        if (!File.Exists(path))
        {
            throw new RepositoryException($"Disk file '{path}' does not exist.");
        }

        try
        {
            return _openDisk(path);
        }
        catch (DiskSourceException ex)
        {
            throw new RepositoryException(ex.Message, ex);
        }
    }

    private static ManifestVmConfig ReadVmConfig(string path)
    {
        if (!File.Exists(path))
        {
            throw new RepositoryException($"VM configuration file '{path}' does not exist.");
        }

        if (new FileInfo(path).Length > VmHardware.MaxTextLength)
        {
            throw new RepositoryException($"VM configuration file '{path}' is larger than 1 MiB; give the VM's own configuration file.");
        }

        return ParseVmConfig(File.ReadAllText(path), $"VM configuration file '{path}'");
    }

    private static ManifestVmConfig ParseVmConfig(string text, string what)
    {
        try
        {
            return new ManifestVmConfig(VmHardware.DetectFormat(text), text, VmHardware.Parse(text));
        }
        catch (FormatException ex)
        {
            throw new RepositoryException($"{what} cannot be used: {ex.Message}", ex);
        }
    }

    private static void Validate(BackupRequest request)
    {
        if (!VmName.TryValidate(request.Vm, "vm", out var problem))
        {
            throw new RepositoryException(problem);
        }

        int diskCount = request.Disks?.Count ?? request.DiskPaths?.Count ?? 0;
        if (diskCount == 0)
        {
            throw new RepositoryException("A backup needs at least one disk; name its image file.");
        }

        if (diskCount > ManifestFile.MaxDisks)
        {
            throw new RepositoryException($"A restore point holds at most {ManifestFile.MaxDisks} disks; split the VM's disks over several backups.");
        }
    }

    /// <summary>One disk of this backup with the names the manifest records.</summary>
    private sealed class DiskSourceEntry(IDiskSource source, string name, string sourcePath)
    {
        public IDiskSource Source { get; } = source;

        public string Name { get; } = name;

        public string SourcePath { get; } = sourcePath;

        /// <summary>Set when an incremental disk had to be read whole after all.</summary>
        public string? FullReadReason { get; set; }
    }

    private static RepositoryException? Translate(Exception ex) => ex switch
    {
        RepositoryException => null,
        OperationCanceledException => null,
        DiskSourceException disk => new RepositoryException(disk.Message, disk),
        IOException io when StorageErrors.IsDiskFull(io) =>
            new RepositoryException("The repository's file system is full: free space on it or use another repository; this backup was not kept.", io),
        _ => null,
    };
}
