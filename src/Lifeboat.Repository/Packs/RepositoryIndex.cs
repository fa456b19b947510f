using Lifeboat.Repository.Crypto;
using Lifeboat.Repository.Storage;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Repository.Packs;

/// <summary>
/// Keeps the in-memory <see cref="ChunkIndex"/> in step with `index/`: new index files are loaded as they
/// appear; if one vanished (garbage collection ran in another process) the index is rebuilt from scratch.
/// </summary>
internal sealed class RepositoryIndex
{
    private readonly RepositoryLayout _layout;
    private readonly AuthenticatedCipher? _cipher;
    private readonly int _blockSize;
    private readonly ILogger _logger;
    private readonly Lock _refreshLock = new();
    private ChunkIndex _current = new();
    private Dictionary<string, string> _damaged = new(StringComparer.Ordinal);

    public RepositoryIndex(RepositoryLayout layout, AuthenticatedCipher? cipher, int blockSize, ILogger logger)
    {
        _layout = layout;
        _cipher = cipher;
        _blockSize = blockSize;
        _logger = logger;
    }

    public ChunkIndex Current => Volatile.Read(ref _current);

    /// <summary>Index files that could not be read at the last refresh: path -> what is wrong.</summary>
    public IReadOnlyDictionary<string, string> Damaged
    {
        get { lock (_refreshLock) { return new Dictionary<string, string>(_damaged, StringComparer.Ordinal); } }
    }

    public ChunkIndex Refresh()
    {
        lock (_refreshLock)
        {
            var onDisk = ListIndexedPacks(_layout);
            var index = _current;
            foreach (var known in index.GetPacks())
            {
                if (!onDisk.Contains(known.PackId))
                {
                    index = new ChunkIndex();
                    break;
                }
            }

            var damaged = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var packId in onDisk)
            {
                if (index.HasPack(packId))
                {
                    continue;
                }

                var entries = TryLoad(packId, out string? problem);
                if (entries is null)
                {
                    string path = _layout.IndexPath(packId);
                    if (!_damaged.ContainsKey(path))
                    {
                        RepositoryLog.IndexSkipped(_logger, path, problem!);
                    }

                    damaged[path] = problem!;
                    continue;
                }

                index.AddPack(packId, entries);
            }

            _damaged = damaged;
            Volatile.Write(ref _current, index);
            return index;
        }
    }

    /// <summary>Registers packs this process just committed, so the next backup dedups against them without a rescan.</summary>
    public void Add(string packId, IReadOnlyList<PackIndexEntry> entries)
    {
        lock (_refreshLock)
        {
            _current.AddPack(packId, entries);
        }
    }

    public PackIndexEntry[]? TryLoad(string packId, out string? problem)
    {
        string path = _layout.IndexPath(packId);
        try
        {
            var bytes = DurableFile.ReadAllCapped(path, PackIndexFile.MaxPayloadLength + Format.Envelope.Overhead, out bool tooLarge);
            if (tooLarge)
            {
                problem = "it is larger than any index can be";
                return null;
            }

            return PackIndexFile.TryDecode(bytes, packId, _cipher, _blockSize, out problem);
        }
        catch (FileNotFoundException)
        {
            problem = "it vanished while being read";
            return null;
        }
        catch (IOException ex)
        {
            problem = "it cannot be read: " + ex.Message;
            return null;
        }
    }

    public static HashSet<string> ListIndexedPacks(RepositoryLayout layout)
    {
        var packs = new HashSet<string>(StringComparer.Ordinal);
        foreach (string file in Directory.EnumerateFiles(layout.IndexDirectory, "*" + RepositoryLayout.IndexExtension))
        {
            string name = System.IO.Path.GetFileNameWithoutExtension(file);
            if (PackId.IsValid(name))
            {
                packs.Add(name);
            }
        }

        return packs;
    }
}
