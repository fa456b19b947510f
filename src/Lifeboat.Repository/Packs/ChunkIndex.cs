using Lifeboat.Repository.Chunks;

namespace Lifeboat.Repository.Packs;

/// <summary>
/// All chunks of the repository in memory: chunk id -> location, plus the table of packs the locations point
/// into. A chunk found in two packs (possible after an interrupted repack) keeps the first location seen.
/// </summary>
internal sealed class ChunkIndex
{
    private readonly Lock _lock = new();
    private readonly Dictionary<ChunkId, ChunkLocation> _chunks = [];
    private readonly List<PackInfo> _packs = [];
    private readonly Dictionary<string, int> _packNumbers = new(StringComparer.Ordinal);
    private long _storedBytes;

    public int PackCount
    {
        get { lock (_lock) { return _packs.Count; } }
    }

    public long ChunkCount
    {
        get { lock (_lock) { return _chunks.Count; } }
    }

    public long StoredBytes
    {
        get { lock (_lock) { return _storedBytes; } }
    }

    public bool TryGet(ChunkId id, out ChunkLocation location)
    {
        lock (_lock)
        {
            return _chunks.TryGetValue(id, out location);
        }
    }

    public bool Contains(ChunkId id)
    {
        lock (_lock)
        {
            return _chunks.ContainsKey(id);
        }
    }

    public bool HasPack(string packId)
    {
        lock (_lock)
        {
            return _packNumbers.ContainsKey(packId);
        }
    }

    public PackInfo GetPack(int packNumber)
    {
        lock (_lock)
        {
            return _packs[packNumber];
        }
    }

    public List<PackInfo> GetPacks()
    {
        lock (_lock)
        {
            return [.. _packs];
        }
    }

    public void AddPack(string packId, IReadOnlyList<PackIndexEntry> entries)
    {
        lock (_lock)
        {
            if (_packNumbers.ContainsKey(packId))
            {
                return;
            }

            int number = _packs.Count;
            long bytes = 0;
            foreach (var entry in entries)
            {
                _chunks.TryAdd(entry.Id, new ChunkLocation(number, entry.Offset, entry.StoredLength));
                bytes += entry.RecordLength;
            }

            _packs.Add(new PackInfo(packId, entries.Count, bytes));
            _packNumbers.Add(packId, number);
            _storedBytes += bytes;
        }
    }
}
