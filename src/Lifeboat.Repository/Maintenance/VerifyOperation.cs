using System.Buffers;
using System.Collections.Concurrent;
using Lifeboat.Repository.Chunks;
using Lifeboat.Repository.Crypto;
using Lifeboat.Repository.Manifests;
using Lifeboat.Repository.Packs;
using Lifeboat.Repository.Storage;

namespace Lifeboat.Repository.Maintenance;

/// <summary>
/// Re-reads chunks and checks everything: record header, Crc32, authentication, decompression and the content
/// hash against the chunk id. Then walks the manifests to name, for every bad or missing chunk, the restore
/// points and disk offsets it affects.
/// </summary>
internal sealed class VerifyOperation
{
    private const int MaxOffsetsPerDisk = 1000;

    private readonly RepositoryLayout _layout;
    private readonly RepositoryIndex _index;
    private readonly RestorePointCatalog _catalog;
    private readonly RepositoryKeys _keys;
    private readonly ChunkDecoder _decoder;

    public VerifyOperation(RepositoryLayout layout, RepositoryIndex index, RestorePointCatalog catalog, RepositoryKeys keys, int blockSize)
    {
        _layout = layout;
        _index = index;
        _catalog = catalog;
        _keys = keys;
        _decoder = new ChunkDecoder(keys.Cipher, blockSize);
    }

    public async Task<VerifyReport> RunAsync(string? restorePointId, IProgress<VerifyProgress>? progress, CancellationToken cancellationToken)
    {
        var chunkIndex = _index.Refresh();
        var damagedFiles = _index.Damaged.Select(kv => new DamagedFile(kv.Key, kv.Value)).ToList();
        List<string> manifestIds;
        Dictionary<int, List<PackIndexEntry>> work;
        if (restorePointId is null)
        {
            manifestIds = _catalog.ListIds();
            work = AllEntries(chunkIndex);
        }
        else
        {
            var manifest = _catalog.Load(restorePointId);
            manifestIds = [manifest.Header.Id];
            work = ReferencedEntries(chunkIndex, manifest);
        }

        long totalChunks = work.Values.Sum(l => (long)l.Count);
        long checkedChunks = 0;
        long checkedBytes = 0;
        var bad = new ConcurrentDictionary<ChunkId, string>();
        using var reporting = new CancellationTokenSource();
        var reporter = PeriodicProgress.RunAsync(
            progress,
            () => new VerifyProgress(Interlocked.Read(ref checkedChunks), totalChunks, Interlocked.Read(ref checkedBytes)),
            reporting.Token);
        try
        {
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken };
            await Parallel.ForEachAsync(work, parallel, (pack, ct) =>
            {
                CheckPack(chunkIndex.GetPack(pack.Key).PackId, pack.Value, bad, ref checkedChunks, ref checkedBytes, ct);
                return ValueTask.CompletedTask;
            }).ConfigureAwait(false);
        }
        finally
        {
            await reporting.CancelAsync().ConfigureAwait(false);
            await reporter.ConfigureAwait(false);
        }

        progress?.Report(new VerifyProgress(checkedChunks, totalChunks, checkedBytes));
        var affected = FindAffected(manifestIds, chunkIndex, bad, damagedFiles, cancellationToken);
        var badChunks = bad
            .Select(kv => new BadChunk(kv.Key.ToString(), kv.Value, affected.TryGetValue(kv.Key, out var list) ? list : []))
            .OrderBy(b => b.ChunkId, StringComparer.Ordinal)
            .ToArray();
        return new VerifyReport(checkedChunks, checkedBytes, badChunks, damagedFiles);
    }

    private Dictionary<int, List<PackIndexEntry>> AllEntries(ChunkIndex chunkIndex)
    {
        // Every record each pack's index lists, duplicates included: readers may use any copy.
        var work = new Dictionary<int, List<PackIndexEntry>>();
        var packs = chunkIndex.GetPacks();
        for (int number = 0; number < packs.Count; number++)
        {
            var entries = _index.TryLoad(packs[number].PackId, out _);
            if (entries is not null)
            {
                work[number] = [.. entries.OrderBy(e => e.Offset)];
            }
        }

        return work;
    }

    private static Dictionary<int, List<PackIndexEntry>> ReferencedEntries(ChunkIndex chunkIndex, RestorePointManifest manifest)
    {
        var work = new Dictionary<int, List<PackIndexEntry>>();
        var seen = new HashSet<ChunkId>();
        foreach (var map in manifest.BlockMaps)
        {
            foreach (var id in map)
            {
                if (id.IsZero || !seen.Add(id) || !chunkIndex.TryGet(id, out var location))
                {
                    continue;
                }

                if (!work.TryGetValue(location.PackNumber, out var list))
                {
                    work[location.PackNumber] = list = [];
                }

                list.Add(new PackIndexEntry(id, location.Offset, location.StoredLength, 0, CompressionCodec.None));
            }
        }

        foreach (var list in work.Values)
        {
            list.Sort(static (a, b) => a.Offset.CompareTo(b.Offset));
        }

        return work;
    }

    private void CheckPack(
        string packId,
        List<PackIndexEntry> entries,
        ConcurrentDictionary<ChunkId, string> bad,
        ref long checkedChunks,
        ref long checkedBytes,
        CancellationToken cancellationToken)
    {
        string path = _layout.PackPath(packId);
        Microsoft.Win32.SafeHandles.SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            foreach (var entry in entries)
            {
                bad.TryAdd(entry.Id, $"is in pack file '{path}', which is missing");
            }

            return;
        }

        using (handle)
        {
            var block = ArrayPool<byte>.Shared.Rent(_decoder.BlockSize);
            var record = ArrayPool<byte>.Shared.Rent(ChunkDecoder.RecordLength(ChunkRecordHeader.MaxStoredLength(_decoder.BlockSize, encrypted: true)));
            try
            {
                foreach (var entry in entries)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var status = CheckRecord(handle, entry, record, block.AsSpan(0, _decoder.BlockSize));
                    if (status != ChunkRecordStatus.Ok)
                    {
                        bad.TryAdd(entry.Id, ChunkRecordStatusText.Describe(status));
                    }

                    Interlocked.Increment(ref checkedChunks);
                    Interlocked.Add(ref checkedBytes, entry.RecordLength);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(block);
                ArrayPool<byte>.Shared.Return(record);
            }
        }
    }

    private ChunkRecordStatus CheckRecord(Microsoft.Win32.SafeHandles.SafeFileHandle handle, PackIndexEntry entry, byte[] record, Span<byte> block)
    {
        int length = entry.RecordLength;
        if (length > record.Length)
        {
            return ChunkRecordStatus.BadHeader;
        }

        int done = 0;
        while (done < length)
        {
            int n = RandomAccess.Read(handle, record.AsSpan(done, length - done), entry.Offset + done);
            if (n == 0)
            {
                return ChunkRecordStatus.NeedMoreData;
            }

            done += n;
        }

        var status = _decoder.TryDecode(record.AsSpan(0, length), entry.Id, block, block.Length);
        if (status == ChunkRecordStatus.Ok && _keys.Hasher.Compute(block) != entry.Id)
        {
            return ChunkRecordStatus.WrongContentHash;
        }

        return status;
    }

    /// <summary>Second pass over the manifests: missing chunks become bad, and every bad chunk gets its restore points and offsets.</summary>
    private Dictionary<ChunkId, List<AffectedDisk>> FindAffected(
        List<string> manifestIds,
        ChunkIndex chunkIndex,
        ConcurrentDictionary<ChunkId, string> bad,
        List<DamagedFile> damagedFiles,
        CancellationToken cancellationToken)
    {
        var affected = new Dictionary<ChunkId, List<AffectedDisk>>();
        foreach (string id in manifestIds)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var manifest = _catalog.TryLoad(id, withBlockMaps: true, out string? problem);
            if (manifest is null)
            {
                if (problem != "it was deleted")
                {
                    damagedFiles.Add(new DamagedFile(_layout.RestorePointPath(id), problem!));
                }

                continue;
            }

            for (int d = 0; d < manifest.BlockMaps.Count; d++)
            {
                var offsets = new Dictionary<ChunkId, List<long>>();
                var map = manifest.BlockMaps[d];
                for (long b = 0; b < map.Length; b++)
                {
                    var chunk = map[b];
                    if (chunk.IsZero)
                    {
                        continue;
                    }

                    if (!bad.ContainsKey(chunk) && !chunkIndex.Contains(chunk))
                    {
                        bad.TryAdd(chunk, "is missing from the repository (no index lists it)");
                    }

                    if (bad.ContainsKey(chunk))
                    {
                        if (!offsets.TryGetValue(chunk, out var list))
                        {
                            offsets[chunk] = list = [];
                        }

                        if (list.Count < MaxOffsetsPerDisk)
                        {
                            list.Add(b * manifest.Header.Disks[d].BlockSize);
                        }
                    }
                }

                foreach (var (chunk, list) in offsets)
                {
                    if (!affected.TryGetValue(chunk, out var disks))
                    {
                        affected[chunk] = disks = [];
                    }

                    disks.Add(new AffectedDisk(id, d, list));
                }
            }
        }

        return affected;
    }
}
