using System.Collections.Concurrent;
using Lifeboat.Repository.Crypto;
using Lifeboat.Repository.Storage;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Repository.Manifests;

/// <summary>
/// Finds and reads restore point manifests. Manifests are written once and never changed, so parsed headers
/// are cached by id; a listing only parses files it has not seen. Whether one is protected can change, so it is
/// looked up each time (<see cref="RestorePointProtection"/>).
/// </summary>
internal sealed class RestorePointCatalog
{
    public const string Latest = "latest";

    private readonly RepositoryLayout _layout;
    private readonly AuthenticatedCipher? _cipher;
    private readonly int _blockSize;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, RestorePointInfo> _infos = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _damaged = new(StringComparer.Ordinal);

    public RestorePointCatalog(RepositoryLayout layout, AuthenticatedCipher? cipher, int blockSize, ILogger logger)
    {
        _layout = layout;
        _cipher = cipher;
        _blockSize = blockSize;
        _logger = logger;
        Protection = new RestorePointProtection(layout);
    }

    public RestorePointProtection Protection { get; }

    public static long MaxFileLength => ManifestFile.MaxPayloadLength + Format.Envelope.Overhead;

    public List<string> ListIds()
    {
        var ids = new List<string>();
        foreach (string file in Directory.EnumerateFiles(_layout.RestorePointsDirectory, "*" + RepositoryLayout.RestorePointExtension))
        {
            string id = Path.GetFileNameWithoutExtension(file);
            if (RestorePointId.IsValid(id))
            {
                ids.Add(id);
            }
        }

        return ids;
    }

    /// <summary>Restore points sorted by time (then id); unreadable manifests are logged and left out (verify reports them).</summary>
    public IReadOnlyList<RestorePointInfo> List(string? vm)
    {
        var result = new List<RestorePointInfo>();
        var protectedIds = Protection.ProtectedIds();
        foreach (string id in ListIds())
        {
            var info = TryGetInfo(id);
            if (info is not null && (vm is null || string.Equals(info.Vm, vm, StringComparison.Ordinal)))
            {
                result.Add(protectedIds.Contains(id) ? info with { Protected = true } : info);
            }
        }

        result.Sort(static (a, b) => a.Time != b.Time ? a.Time.CompareTo(b.Time) : string.CompareOrdinal(a.Id, b.Id));
        return result;
    }

    public RestorePointInfo Get(string idOrLatest, string? vm)
    {
        if (string.Equals(idOrLatest, Latest, StringComparison.OrdinalIgnoreCase))
        {
            var all = List(vm);
            return all.Count > 0 ? all[^1] : throw (vm is null
                    ? new RepositoryException($"Repository '{_layout.Display}' has no restore points yet; back a VM up into it first.", RepositoryRemedy.Backup)
                    : new RepositoryException($"Repository '{_layout.Display}' has no restore points of VM '{vm}'; its restore points list the VMs it holds.", RepositoryRemedy.ListRestorePoints));
        }

        var info = RestorePointId.IsValid(idOrLatest) && File.Exists(_layout.RestorePointPath(idOrLatest)) ? TryGetInfo(idOrLatest) : null;
        if (info is null || (vm is not null && !string.Equals(info.Vm, vm, StringComparison.Ordinal)))
        {
            if (info is null && _damaged.TryGetValue(idOrLatest, out string? problem))
            {
                throw new RepositoryException($"Restore point '{idOrLatest}' is damaged ({problem}); verify the repository and use another restore point.", RepositoryRemedy.Verify);
            }

            throw new RepositoryException($"No restore point '{idOrLatest}'{(vm is null ? string.Empty : $" of VM '{vm}'")} in repository '{_layout.Display}'; its restore points list the ids there are.", RepositoryRemedy.ListRestorePoints);
        }

        return Protection.IsProtected(info.Id) ? info with { Protected = true } : info;
    }

    /// <summary>A restore point by its id only ("latest" is refused: what changes one must name it).</summary>
    public RestorePointInfo GetById(string id) =>
        RestorePointId.IsValid(id) && !string.Equals(id, Latest, StringComparison.OrdinalIgnoreCase)
            ? Get(id, vm: null)
            : throw new RepositoryException($"'{id}' is not a restore point id (such as 20261125-213649-7f3a); the restore points list the ids there are.", RepositoryRemedy.ListRestorePoints);

    /// <summary>Loads a manifest with its block maps; throws a clear RepositoryException when missing or damaged.</summary>
    public RestorePointManifest Load(string id)
    {
        var info = Get(id, vm: null);
        return TryLoad(info.Id, withBlockMaps: true, out string? problem)
            ?? throw new RepositoryException($"Restore point '{info.Id}' is damaged ({problem}); verify the repository and use another restore point.", RepositoryRemedy.Verify);
    }

    public RestorePointManifest? TryLoad(string id, bool withBlockMaps, out string? problem)
    {
        string path = _layout.RestorePointPath(id);
        try
        {
            var bytes = DurableFile.ReadAllCapped(path, MaxFileLength, out bool tooLarge);
            if (tooLarge)
            {
                problem = "it is larger than any restore point can be";
                return null;
            }

            return ManifestFile.TryDecode(bytes, id, _cipher, _blockSize, withBlockMaps, out problem);
        }
        catch (FileNotFoundException)
        {
            problem = "it was deleted";
            return null;
        }
        catch (IOException ex)
        {
            problem = "it cannot be read: " + ex.Message;
            return null;
        }
    }

    public void Forget(string id) => _infos.TryRemove(id, out _);

    public static RestorePointInfo ToInfo(ManifestHeader header) => new(
        header.Id,
        header.Vm,
        header.Time,
        header.ParentId,
        header.Disks.Select(d => new DiskInfo(d.Index, d.Name, d.SourcePath, d.SourceFormat, d.Size, d.BlockSize, d.ZeroBlocks, d.StoredBytes, d.ChangeTracking)).ToArray(),
        header.VmConfig is null ? null : new RestorePointVmConfig(header.VmConfig.Format, header.VmConfig.Text, header.VmConfig.Hardware))
    {
        Consistency = header.Consistency,
    };

    private RestorePointInfo? TryGetInfo(string id)
    {
        if (_infos.TryGetValue(id, out var cached))
        {
            return cached;
        }

        var manifest = TryLoad(id, withBlockMaps: false, out string? problem);
        if (manifest is null)
        {
            if (problem != "it was deleted" && _damaged.TryAdd(id, problem!))
            {
                RepositoryLog.RestorePointSkipped(_logger, _layout.RestorePointPath(id), problem!);
            }

            return null;
        }

        _damaged.TryRemove(id, out _);
        var info = ToInfo(manifest.Header);
        _infos[id] = info;
        return info;
    }
}
