using System.Buffers;
using System.Threading.Channels;
using Lifeboat.Repository.Chunks;
using Lifeboat.Repository.DiskImages;
using Lifeboat.Repository.Packs;
using Lifeboat.Repository.Storage;

namespace Lifeboat.Repository.Backup;

/// <summary>
/// Planner -> workers -> writer over bounded channels, so memory stays flat whatever the disk size: the planner
/// cuts the allocated ranges into spans; each worker reads a span of an image file itself (a few blocks at a time, so
/// each block is hashed and compressed while it is still in that core's cache; other sources, such as a live backup's
/// NBD export, are read in order by the planner alone), skips zero blocks, hashes, dedups against the index and this
/// backup's own chunks, then compresses and encrypts; one writer appends records to packs.
/// The result is the disks' block maps and the packs staged (durable, not yet committed) by this backup.
/// </summary>
internal sealed class BackupPipeline
{
    private const int SpanLength = 2 * 1024 * 1024;

    // Read by a worker in pieces of this size: a piece is hashed and compressed before the next evicts it from the core's cache.
    private const int ReadLength = 256 * 1024;

    private readonly RepositoryLayout _layout;
    private readonly BackupSettings _settings;
    private readonly ChunkIndex _index;
    private readonly IReadOnlyList<IDiskSource> _disks;
    private readonly IReadOnlyList<string> _diskPaths;
    private readonly IReadOnlyList<DiskReadPlan> _plans;
    private readonly BackupCounters _counters;
    private readonly HashSet<ChunkId> _pending = [];
    private readonly Lock _pendingLock = new();
    private readonly Channel<BlockSpan> _spans;
    private readonly Channel<EncodedBatch> _records;
    private readonly int _spanBlocks;
    private PackWriter? _writer;

    public BackupPipeline(
        RepositoryLayout layout,
        BackupSettings settings,
        ChunkIndex index,
        IReadOnlyList<IDiskSource> disks,
        IReadOnlyList<string> diskPaths,
        IReadOnlyList<DiskReadPlan> plans,
        BackupCounters counters)
    {
        _layout = layout;
        _settings = settings;
        _index = index;
        _disks = disks;
        _diskPaths = diskPaths;
        _plans = plans;
        _counters = counters;
        // Sized so both a span and the batch of its records fit the same pooled array size (no round-up to 2x).
        _spanBlocks = Math.Max(1, SpanLength / ChunkEncoder.MaxRecordLength(settings.BlockSize));
        BlockMaps = disks.Select((d, i) => plans[i].BaseBlockMap is { } map ? (ChunkId[])map.Clone() : new ChunkId[(d.Length + settings.BlockSize - 1) / settings.BlockSize]).ToArray();
        StoredBytesPerDisk = new long[disks.Count];
        BytesReadPerDisk = new long[disks.Count];
        _spans = Channel.CreateBounded<BlockSpan>(new BoundedChannelOptions(settings.Workers)
        {
            SingleWriter = true,
            SingleReader = false,
        });
        _records = Channel.CreateBounded<EncodedBatch>(new BoundedChannelOptions(settings.Workers)
        {
            SingleWriter = false,
            SingleReader = true,
        });
    }

    public ChunkId[][] BlockMaps { get; }

    public long[] StoredBytesPerDisk { get; }

    /// <summary>Bytes read from each disk: all its data for a full read, the changed ranges for an incremental one.</summary>
    public long[] BytesReadPerDisk { get; }

    public List<StagedPack> StagedPacks { get; } = [];

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reader = RunStageAsync(PlanAsync, _spans.Writer, cts);
        var workers = Enumerable.Range(0, _settings.Workers).Select(_ => RunStageAsync(WorkAsync, null, cts)).ToArray();
        var workersDone = CompleteWhenAllAsync(workers, _records.Writer);
        var writer = RunStageAsync(WriteAsync, null, cts);
        Task[] all = [reader, .. workers, workersDone, writer];
        try
        {
            await Task.WhenAll(all).ConfigureAwait(false);
            // Workers read image files in parallel, so the read that reached a file's end need not have been the last.
            foreach (var disk in _disks)
            {
                (disk as IFileBackedDiskSource)?.EnsureUnchanged();
            }
        }
        catch
        {
            Drain();
            // The first real failure explains the backup's end better than the cancellations it caused.
            var cause = all.Where(t => t.IsFaulted).SelectMany(t => t.Exception!.InnerExceptions)
                .FirstOrDefault(e => e is not OperationCanceledException);
            if (cause is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(cause);
            }

            throw;
        }
    }

    /// <summary>Deletes every pack this backup wrote (none is referenced: the manifest was not committed).</summary>
    public void Abort()
    {
        _writer?.Abort();
        _writer?.Dispose();
        _writer = null;
        foreach (var staged in StagedPacks)
        {
            DurableFile.TryDelete(_layout.StagedIndexPath(staged.PackId));
            DurableFile.TryDelete(_layout.PackPath(staged.PackId));
        }
    }

    private static Task RunStageAsync(Func<CancellationToken, Task> stage, ChannelWriter<BlockSpan>? output, CancellationTokenSource cts) =>
        Task.Run(async () =>
        {
            try
            {
                await stage(cts.Token).ConfigureAwait(false);
                output?.TryComplete();
            }
            catch (Exception ex)
            {
                output?.TryComplete(ex);
                await cts.CancelAsync().ConfigureAwait(false);
                throw;
            }
        });

    private static async Task CompleteWhenAllAsync(Task[] tasks, ChannelWriter<EncodedBatch> output)
    {
        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
            output.TryComplete();
        }
        catch (Exception ex)
        {
            output.TryComplete(ex);
            throw;
        }
    }

    private async Task PlanAsync(CancellationToken cancellationToken)
    {
        int blockSize = _settings.BlockSize;
        for (int d = 0; d < _disks.Count; d++)
        {
            var disk = _disks[d];
            long diskLength = disk.Length;
            long covered = 0;
            bool readHere = disk is not IFileBackedDiskSource;
            var ranges = _plans[d].ChangedRanges ?? disk.GetAllocatedRanges();
            foreach (var (first, end) in BlockRanges.FromAllocated(ranges, diskLength, blockSize))
            {
                _counters.AddScanned((first * blockSize) - covered);
                for (long block = first; block < end; block += _spanBlocks)
                {
                    int count = (int)Math.Min(end - block, _spanBlocks);
                    long offset = block * blockSize;
                    int want = (int)Math.Min((long)count * blockSize, diskLength - offset);
                    var buffer = readHere ? ArrayPool<byte>.Shared.Rent(count * blockSize) : null;
                    try
                    {
                        if (buffer is not null)
                        {
                            ReadFully(disk, d, offset, buffer.AsSpan(0, want));
                            Interlocked.Add(ref BytesReadPerDisk[d], want);
                            buffer.AsSpan(want, (count * blockSize) - want).Clear();
                        }

                        await _spans.Writer.WriteAsync(new BlockSpan(d, block, count, want, buffer), cancellationToken).ConfigureAwait(false);
                    }
                    catch
                    {
                        if (buffer is not null)
                        {
                            ArrayPool<byte>.Shared.Return(buffer);
                        }

                        throw;
                    }
                }

                covered = Math.Min(end * blockSize, diskLength);
            }

            _counters.AddScanned(diskLength - covered);
        }
    }

    private void ReadFully(IDiskSource disk, int diskIndex, long offset, Span<byte> buffer)
    {
        int done = 0;
        while (done < buffer.Length)
        {
            int n = disk.Read(offset + done, buffer[done..]);
            if (n <= 0)
            {
                throw new DiskSourceException($"Disk file '{_diskPaths[diskIndex]}' vanished or shrank during the backup; nothing of this backup was kept.");
            }

            done += n;
        }
    }

    private async Task WorkAsync(CancellationToken cancellationToken)
    {
        using var encoder = new ChunkEncoder(_settings.Compression, _settings.Keys.Cipher);
        int blockSize = _settings.BlockSize;
        int maxRecord = ChunkEncoder.MaxRecordLength(blockSize);
        int readBlocks = Math.Max(1, ReadLength / blockSize);
        var buffer = ArrayPool<byte>.Shared.Rent(readBlocks * blockSize);
        try
        {
            await foreach (var span in _spans.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                var batch = new EncodedBatch(span.DiskIndex, span.BlockCount * maxRecord);
                try
                {
                    for (int i = 0; i < span.BlockCount; i += readBlocks)
                    {
                        int count = Math.Min(readBlocks, span.BlockCount - i);
                        var blocks = span.Buffer is { } read ? read.AsSpan(i * blockSize, count * blockSize) : ReadBlocks(span, i, count, buffer);
                        for (int j = 0; j < count; j++)
                        {
                            ProcessBlock(encoder, span, i + j, blocks.Slice(j * blockSize, blockSize), batch);
                        }
                    }
                }
                catch
                {
                    batch.Release();
                    throw;
                }
                finally
                {
                    if (span.Buffer is not null)
                    {
                        ArrayPool<byte>.Shared.Return(span.Buffer);
                    }
                }

                await HandOverAsync(span, batch, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads <paramref name="count"/> blocks of the span from its <paramref name="first"/>; the part past the disk's end reads as zeros.</summary>
    private Span<byte> ReadBlocks(BlockSpan span, int first, int count, byte[] buffer)
    {
        int blockSize = _settings.BlockSize;
        int want = (int)Math.Clamp(span.Bytes - ((long)first * blockSize), 0, (long)count * blockSize);
        ReadFully(_disks[span.DiskIndex], span.DiskIndex, (span.FirstBlock + first) * blockSize, buffer.AsSpan(0, want));
        Interlocked.Add(ref BytesReadPerDisk[span.DiskIndex], want);
        buffer.AsSpan(want, (count * blockSize) - want).Clear();
        return buffer.AsSpan(0, count * blockSize);
    }

    /// <summary>Passes the span's new records to the writer (or drops an empty batch).</summary>
    private async Task HandOverAsync(BlockSpan span, EncodedBatch batch, CancellationToken cancellationToken)
    {
        _counters.AddScanned(span.Bytes);
        if (batch.Count == 0)
        {
            batch.Release();
            return;
        }

        try
        {
            await _records.Writer.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            batch.Release();
            throw;
        }
    }

    /// <summary>Zero blocks and chunks already stored only update the block map; new chunks are encoded into the batch.</summary>
    private void ProcessBlock(ChunkEncoder encoder, BlockSpan span, int i, ReadOnlySpan<byte> block, EncodedBatch batch)
    {
        if (block.IndexOfAnyExcept((byte)0) < 0)
        {
            // The map may start as the base restore point's: a block zeroed since then must not keep its old chunk.
            BlockMaps[span.DiskIndex][span.FirstBlock + i] = default;
            _counters.AddZero(1);
            return;
        }

        var id = _settings.Keys.Hasher.Compute(block);
        BlockMaps[span.DiskIndex][span.FirstBlock + i] = id;
        if (!TryClaim(id))
        {
            _counters.AddDedup();
            return;
        }

        batch.Add(encoder.Encode(block, id, batch.Tail));
    }

    /// <summary>True for the first sighting of a chunk neither the repository nor this backup has stored.</summary>
    private bool TryClaim(ChunkId id)
    {
        if (_index.Contains(id))
        {
            return false;
        }

        lock (_pendingLock)
        {
            return _pending.Add(id);
        }
    }

    private async Task WriteAsync(CancellationToken cancellationToken)
    {
        await foreach (var batch in _records.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                var bytes = batch.Bytes;
                foreach (var header in batch.Headers)
                {
                    _writer ??= PackWriter.Create(_layout, _settings.Keys.Cipher, _settings.PackTargetLength);
                    _writer.Append(header, bytes[..header.RecordLength]);
                    bytes = bytes[header.RecordLength..];
                    StoredBytesPerDisk[batch.DiskIndex] += header.RecordLength;
                    _counters.AddStored(header.RecordLength);
                    if (_writer.IsFull)
                    {
                        CompleteWriter();
                    }
                }
            }
            finally
            {
                batch.Release();
            }
        }

        if (_writer is not null)
        {
            CompleteWriter();
        }
    }

    private void CompleteWriter()
    {
        var writer = _writer!;
        StagedPacks.Add(writer.Complete());
        writer.Dispose();
        _writer = null;
        _settings.OnPackStaged?.Invoke(StagedPacks[^1]);
    }

    private void Drain()
    {
        while (_spans.Reader.TryRead(out var span))
        {
            if (span.Buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(span.Buffer);
            }
        }

        while (_records.Reader.TryRead(out var batch))
        {
            batch.Release();
        }
    }
}
