using System.Security.Cryptography;
using System.Text.Json;
using Lifeboat.Repository.Storage;

namespace Lifeboat.MountServer.Publishing;

/// <summary>
/// The publications of a mount server, kept in `publications.json` of its cache root and replaced atomically
/// (write, fsync, rename, fsync the folder), so a crash leaves either the old or the new list.
/// </summary>
public sealed class PublicationCatalog
{
    public const string FileName = "publications.json";
    // Version 2 adds read-only publications; a list with none is still written as version 1, so an older Lifeboat
    // reads it, and one with any is not, so an older Lifeboat never serves a read-only publication writable.
    private const int FirstVersion = 1;
    private const int ReadOnlyVersion = 2;
    // Version 3 adds narrowed publications (their clients and served address): an older Lifeboat would serve them to everyone.
    private const int NarrowedVersion = 3;
    private const int CurrentVersion = NarrowedVersion;
    private const int MaxFileBytes = 16 * 1024 * 1024;

    private readonly string _path;
    private readonly object _gate = new();
    private List<PublicationRecord> _publications;

    private PublicationCatalog(string path, ulong datastoreId, List<PublicationRecord> publications)
    {
        _path = path;
        DatastoreId = datastoreId;
        _publications = publications;
    }

    public ulong DatastoreId { get; }

    public IReadOnlyList<PublicationRecord> Publications
    {
        get
        {
            lock (_gate)
                return [.. _publications];
        }
    }

    public static PublicationCatalog Open(string cacheRoot)
    {
        Directory.CreateDirectory(cacheRoot);
        var path = Path.Combine(cacheRoot, FileName);
        if (!File.Exists(path))
        {
            var catalog = new PublicationCatalog(path, BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8)) | 1, []);
            catalog.Save();
            return catalog;
        }
        var info = new FileInfo(path);
        if (info.Length > MaxFileBytes)
            throw new InvalidDataException($"'{path}' is larger than a publication list can be; move it away to start with no publications.");
        PublicationCatalogDocument? document;
        try
        {
            document = JsonSerializer.Deserialize(File.ReadAllBytes(path), PublishingJsonContext.Default.PublicationCatalogDocument);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is damaged ({e.Message}); move it away to start with no publications.", e);
        }
        if (document is null || document.Version > CurrentVersion)
            throw new InvalidDataException($"'{path}' was written by a newer Lifeboat; upgrade Lifeboat to use this cache folder.");
        return new PublicationCatalog(path, document.DatastoreId, [.. document.Publications]);
    }

    public void Add(PublicationRecord record)
    {
        lock (_gate)
        {
            _publications = [.. _publications, record];
            Save();
        }
    }

    public bool Remove(string name)
    {
        lock (_gate)
        {
            var kept = _publications.Where(p => p.Name != name).ToList();
            if (kept.Count == _publications.Count)
                return false;
            _publications = kept;
            Save();
            return true;
        }
    }

    private static int VersionFor(List<PublicationRecord> publications) =>
        publications.Any(p => p.Clients is not null) ? NarrowedVersion : publications.Any(p => p.ReadOnly) ? ReadOnlyVersion : FirstVersion;

    private void Save()
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(
            new PublicationCatalogDocument(VersionFor(_publications), DatastoreId, _publications), PublishingJsonContext.Default.PublicationCatalogDocument);
        var temporary = _path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(bytes);
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, _path, overwrite: true);
        DurableFile.SyncDirectory(Path.GetDirectoryName(_path)!);
    }
}
