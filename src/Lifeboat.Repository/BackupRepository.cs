using System.Security.Cryptography;
using Lifeboat.Repository.Backup;
using Lifeboat.Repository.Chunks;
using Lifeboat.Repository.Crypto;
using Lifeboat.Repository.DiskImages;
using Lifeboat.Repository.Maintenance;
using Lifeboat.Repository.Manifests;
using Lifeboat.Repository.Packs;
using Lifeboat.Repository.Reading;
using Lifeboat.Repository.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lifeboat.Repository;

/// <summary>
/// A Lifeboat backup repository: deduplicated, compressed, checksummed and optionally encrypted restore points
/// of VM disks. Safe to use from several threads; several processes coordinate through the `lock` file.
/// </summary>
public sealed class BackupRepository : IDisposable
{
    public const string PasswordEnvironmentVariable = "LIFEBOAT_PASSWORD";

    private readonly RepositoryLayout _layout;
    private readonly RepositoryKeys _keys;
    private readonly RepositoryIndex _index;
    private readonly RestorePointCatalog _catalog;
    private readonly ILogger _logger;
    private bool _disposed;

    private BackupRepository(RepositoryLayout layout, RepositoryConfig config, RepositoryKeys keys, ILogger logger)
    {
        _layout = layout;
        Config = config;
        _keys = keys;
        _logger = logger;
        _index = new RepositoryIndex(layout, keys.Cipher, config.BlockSize, logger);
        // The chunk index is read by the operations that need it (each refreshes it), not here: listing restore points
        // or reading the config must not cost a read of every index file in a repository of many VMs.
        _catalog = new RestorePointCatalog(layout, keys.Cipher, config.BlockSize, logger);
    }

    /// <summary>Full path of the repository folder.</summary>
    public string Path => _layout.Root;

    public RepositoryConfig Config { get; }

    /// <summary>How backups open disk images; tests swap in their own sources.</summary>
    internal Func<string, IDiskSource> DiskOpener { get; set; } = DiskSource.Open;

    /// <summary>Called after each pack a backup stages (tests use it to capture a crash image midway).</summary>
    internal Action<StagedPack>? PackStagedHook { get; set; }

    /// <summary>Backup worker count; defaults to one per processor.</summary>
    internal int BackupWorkers { get; set; } = Environment.ProcessorCount;

    /// <summary>Size at which packs are closed; tests lower it to get many packs from small disks.</summary>
    internal long PackTargetLength { get; set; } = PackWriter.TargetLength;

    /// <summary>Creates a repository in a new or empty folder. A non-null password encrypts it.</summary>
    public static BackupRepository Init(string path, RepositoryOptions options, string? password, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!RepositoryOptions.IsValidBlockSize(options.BlockSize))
        {
            throw new RepositoryException($"Block size {options.BlockSize} is not allowed; use a power of two from 16K to 4M, e.g. 256K.");
        }

        if (!Enum.IsDefined(options.Compression))
        {
            throw new RepositoryException("Unknown compression; use zstd, lz4 or none.");
        }

        if (password is { Length: 0 })
        {
            throw new RepositoryException($"The password is empty; set {PasswordEnvironmentVariable} to a non-empty password, or create the repository unencrypted.");
        }

        var layout = new RepositoryLayout(path);
        if (File.Exists(layout.ConfigPath))
        {
            throw new RepositoryException($"'{path}' is already a Lifeboat repository; open it instead of creating it again.");
        }

        if (File.Exists(layout.Root) || (Directory.Exists(layout.Root) && Directory.EnumerateFileSystemEntries(layout.Root).Any()))
        {
            throw new RepositoryException($"'{path}' exists and is not an empty folder; choose a new or empty folder for the repository.");
        }

        EncryptionDocument? encryption = null;
        RepositoryKeys keys = RepositoryKeys.Unencrypted;
        if (password is not null)
        {
            using var master = MasterKey.Generate();
            var salt = RandomNumberGenerator.GetBytes(MasterKey.SaltSize);
            encryption = new EncryptionDocument(EncryptionDocument.Pbkdf2Sha256, MasterKey.DefaultIterations, salt, master.Wrap(password, salt, MasterKey.DefaultIterations));
            keys = RepositoryKeys.FromMasterKey(master);
        }

        var document = new ConfigDocument(
            ConfigFile.CurrentFormatVersion,
            Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            options.BlockSize,
            CompressionCodecNames.ToName(options.Compression),
            encryption);
        try
        {
            Directory.CreateDirectory(layout.Root);
            foreach (string folder in new[] { layout.PacksDirectory, layout.IndexDirectory, layout.RestorePointsDirectory, layout.TmpDirectory })
            {
                Directory.CreateDirectory(folder);
            }

            File.WriteAllBytes(layout.LockPath, []);
            DurableFile.WriteNew(layout.StagedConfigPath, ConfigFile.Encode(document));
            DurableFile.Commit(layout.StagedConfigPath, layout.ConfigPath);
            DurableFile.SyncDirectory(System.IO.Path.GetDirectoryName(layout.Root) ?? layout.Root);
        }
        catch (IOException ex) when (StorageErrors.IsDiskFull(ex))
        {
            throw new RepositoryException($"The file system of '{path}' is full; free space on it or create the repository elsewhere.", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new RepositoryException($"Cannot create a repository at '{path}' (permission denied); choose a folder you can write to.", ex);
        }

        return new BackupRepository(layout, ToConfig(document), keys, logger ?? NullLogger.Instance);
    }

    /// <summary>Opens an existing repository; an encrypted one needs its password.</summary>
    public static BackupRepository Open(string path, string? password, ILogger? logger = null)
    {
        var layout = new RepositoryLayout(path);
        if (!Directory.Exists(layout.Root))
        {
            throw ConfigFile.NotARepository(path);
        }

        var document = ConfigFile.Read(layout);
        var keys = RepositoryKeys.Unencrypted;
        if (document.Encryption is { } encryption)
        {
            if (string.IsNullOrEmpty(password))
            {
                throw new RepositoryException($"Repository '{path}' is encrypted; set {PasswordEnvironmentVariable} to its password (or enter it when asked).");
            }

            using var master = MasterKey.TryUnwrap(password, encryption.Salt, encryption.Iterations, encryption.WrappedMasterKey)
                ?? throw new RepositoryException($"The password is wrong for repository '{path}'.");
            keys = RepositoryKeys.FromMasterKey(master);
        }

        foreach (string folder in new[] { layout.PacksDirectory, layout.IndexDirectory, layout.RestorePointsDirectory, layout.TmpDirectory })
        {
            if (!Directory.Exists(folder))
            {
                throw new RepositoryException($"Repository '{path}' is damaged: its folder '{folder}' is missing; restore it from a copy of the repository.");
            }
        }

        return new BackupRepository(layout, ToConfig(document), keys, logger ?? NullLogger.Instance);
    }

    /// <summary>True when the repository at <paramref name="path"/> needs a password (reads the config file only).</summary>
    public static bool IsEncrypted(string path) => ConfigFile.Read(new RepositoryLayout(path)).Encryption is not null;

    /// <summary>Restore points sorted by time, optionally of one VM.</summary>
    public IReadOnlyList<RestorePointInfo> ListRestorePoints(string? vm = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _catalog.List(vm);
    }

    /// <summary>A restore point by id, or "latest" (of <paramref name="vm"/> when given).</summary>
    public RestorePointInfo GetRestorePoint(string idOrLatest, string? vm = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _catalog.Get(idOrLatest, vm);
    }

    public Task<RestorePointInfo> BackupAsync(BackupRequest request, IProgress<BackupProgress>? progress = null, CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(request);
        var settings = new BackupSettings(Config.BlockSize, Config.Compression, _keys, Math.Max(1, BackupWorkers))
        {
            OnPackStaged = PackStagedHook,
            PackTargetLength = PackTargetLength,
        };
        var operation = new BackupOperation(_layout, _index, _catalog, settings, DiskOpener, _logger);
        return operation.RunAsync(request, progress, ct);
    }

    /// <summary>Writes the restore point's disks as sparse raw files into <paramref name="targetDirectory"/>.</summary>
    public async Task<RestoreResult> RestoreAsync(
        string restorePointId,
        string targetDirectory,
        RestoreOptions options,
        IProgress<RestoreProgress>? progress = null,
        CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(options);
        using var shared = RepositoryLock.AcquireShared(_layout);
        var manifest = _catalog.Load(restorePointId);
        var operation = new RestoreOperation((id, disk) => OpenDiskUnlocked(manifest, disk, cacheBytes: 0, repositoryLock: null));
        return await operation.RunAsync(manifest, targetDirectory, options, progress, ct).ConfigureAwait(false);
    }

    /// <summary>Checks every chunk (or those of one restore point) and reports damage with what it affects.</summary>
    public async Task<VerifyReport> VerifyAsync(string? restorePointId = null, IProgress<VerifyProgress>? progress = null, CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var shared = RepositoryLock.AcquireShared(_layout);
        var operation = new VerifyOperation(_layout, _index, _catalog, _keys, Config.BlockSize);
        return await operation.RunAsync(restorePointId, progress, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Checks in milliseconds that every chunk of a restore point is indexed and its pack file is there and long
    /// enough, without reading a chunk: what instant recovery checks before it publishes a restore point.
    /// </summary>
    public ChunkPresenceReport CheckChunksPresent(string restorePointId, CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var shared = RepositoryLock.AcquireShared(_layout);
        var manifest = _catalog.Load(restorePointId);
        return new PresenceCheckOperation(_layout, _index, Config.BlockSize).Run(manifest, ct);
    }

    /// <summary>
    /// Keeps the newest <paramref name="keepLast"/> restore points of <paramref name="vm"/> and frees what nothing references.
    /// Protected restore points are kept too, and do not count toward <paramref name="keepLast"/>.
    /// </summary>
    public Task<RetentionResult> ApplyRetentionAsync(string vm, int keepLast, CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var operation = new RetentionOperation(_layout, _index, _catalog, _keys, _logger) { PackTargetLength = PackTargetLength };
        return Task.Run(() => operation.Run(vm, keepLast, ct), ct);
    }

    /// <summary>
    /// Deletes one restore point and frees what nothing references any more, under the exclusive lock (refused while a
    /// backup runs or a disk is open, as retention is); refused while the restore point is protected.
    /// </summary>
    public Task<RetentionResult> DeleteRestorePointAsync(string restorePointId, CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var operation = new RetentionOperation(_layout, _index, _catalog, _keys, _logger) { PackTargetLength = PackTargetLength };
        return Task.Run(() => operation.Delete(restorePointId, ct), ct);
    }

    /// <summary>
    /// Protects a restore point from retention and deletion, or lifts that, durably in the repository itself; under the
    /// shared lock, so never while retention runs.
    /// </summary>
    public RestorePointInfo SetProtected(string restorePointId, bool protect)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var shared = RepositoryLock.AcquireShared(_layout);
        var point = _catalog.GetById(restorePointId);
        _catalog.Protection.Set(point.Id, protect);
        return point with { Protected = protect };
    }

    /// <summary>Opens one disk of a restore point for reading, with the default decoded-block cache.</summary>
    public RestorePointDisk OpenDisk(string restorePointId, int diskIndex) =>
        OpenDisk(restorePointId, diskIndex, RestorePointDisk.DefaultCacheBytes);

    /// <summary>Opens one disk of a restore point with a decoded-block cache of <paramref name="cacheBytes"/> (0 disables it).</summary>
    public RestorePointDisk OpenDisk(string restorePointId, int diskIndex, long cacheBytes)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var shared = RepositoryLock.AcquireShared(_layout);
        try
        {
            var manifest = _catalog.Load(restorePointId);
            return OpenDiskUnlocked(manifest, diskIndex, cacheBytes, shared);
        }
        catch
        {
            shared.Dispose();
            throw;
        }
    }

    public RepositoryStats GetStats()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var index = _index.Refresh();
        return new RepositoryStats(index.PackCount, index.ChunkCount, index.StoredBytes, _catalog.ListIds().Count);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _keys.Dispose();
    }

    private RestorePointDisk OpenDiskUnlocked(RestorePointManifest manifest, int diskIndex, long cacheBytes, IDisposable? repositoryLock)
    {
        if (diskIndex < 0 || diskIndex >= manifest.Header.Disks.Count)
        {
            throw new RepositoryException($"Restore point '{manifest.Header.Id}' has {manifest.Header.Disks.Count} disk(s); disk {diskIndex} does not exist.");
        }

        var index = _index.Refresh();
        var ids = manifest.BlockMaps[diskIndex];
        var refs = new BlockRef[ids.Length];
        var slots = new Dictionary<int, int>();
        var paths = new List<string>();
        for (long b = 0; b < ids.Length; b++)
        {
            var id = ids[b];
            if (id.IsZero)
            {
                refs[b] = BlockRef.Zero;
            }
            else if (!index.TryGet(id, out var location))
            {
                refs[b] = BlockRef.Missing;
            }
            else
            {
                if (!slots.TryGetValue(location.PackNumber, out int slot))
                {
                    slot = paths.Count;
                    slots.Add(location.PackNumber, slot);
                    paths.Add(_layout.PackPath(index.GetPack(location.PackNumber).PackId));
                }

                refs[b] = new BlockRef(slot, location.StoredLength, location.Offset);
            }
        }

        var disk = manifest.Header.Disks[diskIndex];
        var cipher = _keys.Cipher?.Clone();
        return new RestorePointDisk(
            manifest.Header.Id,
            diskIndex,
            disk.Size,
            ids,
            refs,
            new PackHandles(paths),
            new ChunkDecoder(cipher, Config.BlockSize),
            cacheBytes,
            cipher,
            repositoryLock);
    }

    private static RepositoryConfig ToConfig(ConfigDocument document)
    {
        var codec = CompressionCodecNames.TryParse(document.Compression, out var parsed) ? parsed : CompressionCodec.Zstd;
        return new RepositoryConfig(document.FormatVersion, document.RepositoryId, document.BlockSize, codec, document.Encryption is not null);
    }
}
