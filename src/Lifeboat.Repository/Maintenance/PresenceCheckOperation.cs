using Lifeboat.Repository.Chunks;
using Lifeboat.Repository.Manifests;
using Lifeboat.Repository.Packs;
using Lifeboat.Repository.Storage;

namespace Lifeboat.Repository.Maintenance;

/// <summary>
/// Checks that every chunk a restore point references is indexed and that each pack file exists and is long enough
/// for the records it must hold: lookups in memory and one stat per pack, no chunk read.
/// </summary>
internal sealed class PresenceCheckOperation(RepositoryLayout layout, RepositoryIndex index, int blockSize)
{
    /// <summary>At most this many missing chunks are described one by one; the count covers them all.</summary>
    public const int MaxListed = 100;

    private const int MaxOffsetsPerDisk = 16;

    public ChunkPresenceReport Run(RestorePointManifest manifest, CancellationToken cancellationToken)
    {
        var chunkIndex = index.Refresh();
        var missing = new Dictionary<ChunkId, string>();
        var packEnds = new Dictionary<int, long>();
        var seen = new HashSet<ChunkId>();
        long blocks = 0, zeroBlocks = 0, storedBytes = 0;
        foreach (var map in manifest.BlockMaps)
        {
            cancellationToken.ThrowIfCancellationRequested();
            blocks += map.Length;
            foreach (var id in map)
            {
                if (id.IsZero)
                {
                    zeroBlocks++;
                    continue;
                }

                if (!seen.Add(id))
                {
                    continue;
                }

                if (!chunkIndex.TryGet(id, out var location))
                {
                    missing[id] = "is in no pack index";
                    continue;
                }

                long end = location.Offset + ChunkDecoder.RecordLength(location.StoredLength);
                storedBytes += ChunkDecoder.RecordLength(location.StoredLength);
                packEnds[location.PackNumber] = Math.Max(end, packEnds.GetValueOrDefault(location.PackNumber));
            }
        }

        // One stat per pack: a chunk is present when its pack file reaches past the end of its record.
        var packLengths = new Dictionary<int, long>(packEnds.Count);
        foreach (var (packNumber, end) in packEnds)
        {
            var file = new FileInfo(layout.PackPath(chunkIndex.GetPack(packNumber).PackId));
            long length = file.Exists ? file.Length : -1;
            if (length < end)
            {
                packLengths[packNumber] = length;
            }
        }

        if (packLengths.Count > 0)
        {
            foreach (var id in seen)
            {
                if (!chunkIndex.TryGet(id, out var location) || !packLengths.TryGetValue(location.PackNumber, out long length))
                {
                    continue;
                }

                string path = layout.PackPath(chunkIndex.GetPack(location.PackNumber).PackId);
                if (length < 0)
                {
                    missing[id] = $"is in pack file '{path}', which is missing";
                }
                else if (length < location.Offset + ChunkDecoder.RecordLength(location.StoredLength))
                {
                    missing[id] = $"is in pack file '{path}', which ends at byte {length} before the chunk's end";
                }
            }
        }

        return new ChunkPresenceReport(
            manifest.Header.Id,
            blocks,
            zeroBlocks,
            seen.Count,
            storedBytes,
            packEnds.Count,
            Describe(manifest, missing, blockSize),
            missing.Count);
    }

    private static BadChunk[] Describe(RestorePointManifest manifest, Dictionary<ChunkId, string> missing, int blockSize)
    {
        if (missing.Count == 0)
        {
            return [];
        }

        var listed = missing.Keys.OrderBy(id => id.ToString(), StringComparer.Ordinal).Take(MaxListed).ToHashSet();
        var offsets = listed.ToDictionary(id => id, _ => new List<AffectedDisk>());
        for (int disk = 0; disk < manifest.BlockMaps.Count; disk++)
        {
            var perChunk = new Dictionary<ChunkId, List<long>>();
            var map = manifest.BlockMaps[disk];
            for (long block = 0; block < map.Length; block++)
            {
                if (listed.Contains(map[block]))
                {
                    if (!perChunk.TryGetValue(map[block], out var list))
                    {
                        perChunk[map[block]] = list = [];
                    }

                    if (list.Count < MaxOffsetsPerDisk)
                    {
                        list.Add(block * blockSize);
                    }
                }
            }

            foreach (var (id, list) in perChunk)
            {
                offsets[id].Add(new AffectedDisk(manifest.Header.Id, disk, list));
            }
        }

        return [.. listed.OrderBy(id => id.ToString(), StringComparer.Ordinal).Select(id => new BadChunk(id.ToString(), missing[id], offsets[id]))];
    }
}
