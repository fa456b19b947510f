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
    private const int MaxVmNameLength = 256;

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
        var vmConfig = request.VmConfigPath is null ? null : ReadVmConfig(request.VmConfigPath);
        var disks = new List<IDiskSource>();
        try
        {
            foreach (string path in request.DiskPaths)
            {
                disks.Add(OpenDisk(path));
            }

            using var repositoryLock = RepositoryLock.AcquireShared(_layout);
            return await BackUpAsync(request, vmConfig, disks, progress, cancellationToken).ConfigureAwait(false);
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
        List<IDiskSource> disks,
        IProgress<BackupProgress>? progress,
        CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var chunkIndex = _index.Refresh();
        long blockMapBytes = disks.Sum(d => (d.Length + _settings.BlockSize - 1) / _settings.BlockSize * Chunks.ChunkId.Size);
        if (blockMapBytes > ManifestFile.MaxBlockMapBytes)
        {
            throw new RepositoryException($"These disks are too large for block size {_settings.BlockSize} (block maps over 1 GiB); back them up into a repository created with a larger --block-size.");
        }

        var time = DateTimeOffset.UtcNow;
        string id = NewRestorePointId(time);
        var earlier = _catalog.List(request.Vm);
        string? parentId = earlier.Count > 0 ? earlier[^1].Id : null;
        // A VM's hardware rarely changes between backups: without --vm-config, keep what its last backup recorded.
        vmConfig ??= parentId is null ? null : _catalog.TryLoad(parentId, withBlockMaps: false, out _)?.Header.VmConfig;
        var counters = new BackupCounters { TotalBytes = disks.Sum(d => d.Length) };
        RepositoryLog.BackupStarted(_logger, request.Vm, id, disks.Count, counters.TotalBytes);
        var pipeline = new BackupPipeline(_layout, _settings, chunkIndex, disks, request.DiskPaths, counters);
        using var reporting = new CancellationTokenSource();
        var reporter = PeriodicProgress.RunAsync(progress, counters.Snapshot, reporting.Token);
        bool committed = false;
        try
        {
            await pipeline.RunAsync(cancellationToken).ConfigureAwait(false);
            var manifest = BuildManifest(id, request, time, parentId, vmConfig, disks, pipeline);
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
        List<IDiskSource> disks,
        BackupPipeline pipeline)
    {
        var manifestDisks = new List<ManifestDisk>(disks.Count);
        for (int d = 0; d < disks.Count; d++)
        {
            string path = Path.GetFullPath(request.DiskPaths[d]);
            long zeroBlocks = pipeline.BlockMaps[d].LongCount(b => b.IsZero);
            manifestDisks.Add(new ManifestDisk(d, Path.GetFileName(path), path, disks[d].Format, disks[d].Length, _settings.BlockSize, zeroBlocks, pipeline.StoredBytesPerDisk[d]));
        }

        var header = new ManifestHeader(id, request.Vm, time, parentId, vmConfig, manifestDisks);
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

        string text = File.ReadAllText(path);
        try
        {
            return new ManifestVmConfig(VmHardware.DetectFormat(text), text, VmHardware.Parse(text));
        }
        catch (FormatException ex)
        {
            throw new RepositoryException($"VM configuration file '{path}' cannot be used: {ex.Message}", ex);
        }
    }

    private static void Validate(BackupRequest request)
    {
        if (string.IsNullOrWhiteSpace(request.Vm) || request.Vm.Length > MaxVmNameLength || request.Vm.Any(char.IsControl))
        {
            throw new RepositoryException("The VM name must be 1 to 256 printable characters; give it with --vm NAME.");
        }

        if (request.DiskPaths is null || request.DiskPaths.Count == 0)
        {
            throw new RepositoryException("A backup needs at least one disk; give it with --disk FILE.");
        }

        if (request.DiskPaths.Count > ManifestFile.MaxDisks)
        {
            throw new RepositoryException($"A restore point holds at most {ManifestFile.MaxDisks} disks; split the VM's disks over several backups.");
        }
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
