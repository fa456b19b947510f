using System.Buffers;
using Lifeboat.Repository.Chunks;
using Lifeboat.Repository.Reading;
using Lifeboat.Repository.Storage;

namespace Lifeboat.Repository;

/// <summary>
/// One disk of a restore point, readable at any offset by many concurrent callers. The block map is resolved
/// to pack locations at open; each read checks the stored bytes' Crc32, then decrypts and decompresses the
/// block (or copies it from the decoded-block cache). Holds the repository's shared lock until disposed, so
/// garbage collection cannot remove chunks under it.
/// </summary>
public sealed class RestorePointDisk : IDisposable, IBlockPartReader
{
    /// <summary>Default size of the decoded-block cache.</summary>
    public const long DefaultCacheBytes = 64L * 1024 * 1024;

    private readonly ChunkId[] _ids;
    private readonly BlockRef[] _refs;
    private readonly PackHandles _packs;
    private readonly ChunkDecoder _decoder;
    private readonly BlockCache? _cache;
    private readonly IDisposable? _ownedCipher;
    private readonly IDisposable? _lock;
    private readonly int _blockShift;
    private readonly long _blockMask;
    private bool _disposed;

    internal RestorePointDisk(
        string restorePointId,
        int diskIndex,
        long length,
        ChunkId[] ids,
        BlockRef[] refs,
        PackHandles packs,
        ChunkDecoder decoder,
        long cacheBytes,
        IDisposable? ownedCipher,
        IDisposable? repositoryLock)
    {
        _ownedCipher = ownedCipher;
        RestorePointId = restorePointId;
        DiskIndex = diskIndex;
        Length = length;
        BlockSize = decoder.BlockSize;
        _ids = ids;
        _refs = refs;
        _packs = packs;
        _decoder = decoder;
        _lock = repositoryLock;
        _blockShift = System.Numerics.BitOperations.Log2((uint)BlockSize);
        _blockMask = BlockSize - 1;
        var cache = new BlockCache(cacheBytes, BlockSize);
        _cache = cache.Capacity > 0 ? cache : null;
    }

    public string RestorePointId { get; }

    public int DiskIndex { get; }

    /// <summary>Virtual size of the disk in bytes.</summary>
    public long Length { get; }

    public int BlockSize { get; }

    public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken ct = default) =>
        ReadAsync(offset, buffer, BlockCaching.All, ct);

    /// <summary>Reads like <see cref="Read(long, Span{byte})"/>, leaving the blocks <paramref name="caching"/> says in the cache.</summary>
    public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, BlockCaching caching, CancellationToken ct = default)
    {
        if (ct.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<int>(ct);
        }

        try
        {
            return new ValueTask<int>(Read(offset, buffer, caching));
        }
        catch (Exception ex)
        {
            return ValueTask.FromException<int>(ex);
        }
    }

    /// <summary>Reads up to buffer.Length bytes at any offset; returns 0 at or past the end. Thread-safe.</summary>
    public int Read(long offset, Span<byte> buffer)
    {
        int total = Available(offset, buffer.Length);
        ReadBlocks(offset, buffer[..total], BlockCaching.All);
        return total;
    }

    /// <summary>Drops every decoded block from the cache (benchmarks use it to measure cold reads).</summary>
    public void ClearCache() => _cache?.Clear();

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _packs.Dispose();
        _ownedCipher?.Dispose();
        _lock?.Dispose();
    }

    void IBlockPartReader.ReadBlockPart(long offset, Span<byte> destination, BlockCaching caching) =>
        ReadFromBlock(offset >> _blockShift, (int)(offset & _blockMask), destination, caching);

    /// <summary>True when block <paramref name="block"/> (of <see cref="BlockSize"/> bytes) was a hole or all zeroes at backup: it reads as zeroes and is not stored.</summary>
    public bool IsZeroBlock(long block) => _refs[block].IsZero;

    public long BlockCount => _refs.Length;

    /// <summary>A read that has at least two blocks to decode spreads them over the cores; cached and zero blocks are a copy.</summary>
    private int Read(long offset, Memory<byte> buffer, BlockCaching caching)
    {
        int total = Available(offset, buffer.Length);
        if (total > 0 && ParallelWorkers > 1 && HasTwoBlocksToDecode(offset, total))
        {
            ParallelBlockRead.Run(this, offset, buffer[..total], _blockShift, ParallelWorkers, caching);
        }
        else
        {
            ReadBlocks(offset, buffer.Span[..total], caching);
        }

        return total;
    }

    private static int ParallelWorkers => Environment.ProcessorCount;

    private int Available(long offset, int length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        return offset >= Length ? 0 : (int)Math.Min(length, Length - offset);
    }

    /// <summary>True when a read of the range decodes at least one block: one that is neither a zero block nor in the cache.</summary>
    public bool MustDecode(long offset, int length)
    {
        int total = Available(offset, length);
        if (total <= 0)
        {
            return false;
        }

        long last = (offset + total - 1) >> _blockShift;
        for (long block = offset >> _blockShift; block <= last; block++)
        {
            if (!_refs[block].IsZero && (_cache is null || !_cache.Contains(block)))
            {
                return true;
            }
        }

        return false;
    }

    private bool HasTwoBlocksToDecode(long offset, int length)
    {
        long first = offset >> _blockShift;
        long last = (offset + length - 1) >> _blockShift;
        if (first == last)
        {
            return false;
        }

        int found = 0;
        for (long block = first; block <= last; block++)
        {
            if (!_refs[block].IsZero && (_cache is null || !_cache.Contains(block)) && ++found == 2)
            {
                return true;
            }
        }

        return false;
    }

    private void ReadBlocks(long offset, Span<byte> buffer, BlockCaching caching)
    {
        int total = buffer.Length;
        int done = 0;
        while (done < total)
        {
            long position = offset + done;
            long block = position >> _blockShift;
            int inBlock = (int)(position & _blockMask);
            int count = Math.Min(total - done, BlockSize - inBlock);
            ReadFromBlock(block, inBlock, buffer.Slice(done, count), caching);
            done += count;
        }
    }

    /// <summary>Decodes a whole block into <paramref name="destination"/> (BlockSize bytes), bypassing the cache; used by restore.</summary>
    internal void DecodeBlock(long block, Span<byte> destination)
    {
        ref readonly var location = ref _refs[block];
        if (location.IsZero)
        {
            destination.Clear();
            return;
        }

        Decode(block, location, destination, destination.Length);
    }

    internal string ChunkIdOf(long block) => _ids[block].ToString();

    private void ReadFromBlock(long block, int inBlock, Span<byte> destination, BlockCaching caching)
    {
        ref readonly var location = ref _refs[block];
        if (location.IsZero)
        {
            destination.Clear();
            return;
        }

        if (_cache is null)
        {
            ReadUncached(block, location, inBlock, destination);
            return;
        }

        if (_cache.TryCopy(block, inBlock, destination))
        {
            RepositoryMetrics.BlockCache.Hit();
            return;
        }

        RepositoryMetrics.BlockCache.Miss();

        if (caching == BlockCaching.PartialOnly && destination.Length == BlockSize)
        {
            // A whole block the caller keeps or streams past: decoded where it is wanted, no copy, no eviction.
            Decode(block, location, destination, BlockSize);
            return;
        }

        int slot = _cache.BeginFill(block, out var slotBuffer);
        if (slot < 0)
        {
            ReadUncached(block, location, inBlock, destination);
            return;
        }

        try
        {
            Decode(block, location, slotBuffer, slotBuffer.Length);
            slotBuffer.Slice(inBlock, destination.Length).CopyTo(destination);
        }
        catch
        {
            _cache.AbortFill(slot);
            throw;
        }

        _cache.CompleteFill(slot, block);
    }

    private void ReadUncached(long block, BlockRef location, int inBlock, Span<byte> destination)
    {
        if (destination.Length == BlockSize)
        {
            Decode(block, location, destination, BlockSize);
            return;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(BlockSize);
        try
        {
            var decoded = buffer.AsSpan(0, BlockSize);
            Decode(block, location, decoded, inBlock + destination.Length);
            decoded.Slice(inBlock, destination.Length).CopyTo(destination);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Decode(long block, BlockRef location, Span<byte> destination, int prefixLength)
    {
        if (location.IsMissing)
        {
            throw Corrupt(block, "is missing from the repository's index");
        }

        int recordLength = ChunkDecoder.RecordLength(location.StoredLength);
        var record = ArrayPool<byte>.Shared.Rent(recordLength);
        try
        {
            int read;
            try
            {
                read = ReadAt(location, record.AsSpan(0, recordLength));
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
            {
                throw Corrupt(block, $"is in pack file '{_packs.PathOf(location.Pack)}', which is missing");
            }

            var status = read < recordLength
                ? ChunkRecordStatus.NeedMoreData
                : _decoder.TryDecode(record.AsSpan(0, recordLength), _ids[block], destination, prefixLength);
            if (status != ChunkRecordStatus.Ok)
            {
                throw Corrupt(block, ChunkRecordStatusText.Describe(status));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(record);
        }
    }

    private int ReadAt(BlockRef location, Span<byte> buffer)
    {
        var handle = _packs.Get(location.Pack);
        int done = 0;
        while (done < buffer.Length)
        {
            int n = RandomAccess.Read(handle, buffer[done..], location.Offset + done);
            if (n == 0)
            {
                break;
            }

            done += n;
        }

        return done;
    }

    private CorruptChunkException Corrupt(long block, string reason) =>
        new(_ids[block].ToString(), DiskIndex, block * BlockSize, reason);
}
