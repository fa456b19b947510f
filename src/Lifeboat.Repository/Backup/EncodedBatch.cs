using System.Buffers;
using Lifeboat.Repository.Chunks;

namespace Lifeboat.Repository.Backup;

/// <summary>
/// The new chunk records a worker produced from one span of one disk, back to back in one pooled buffer, so the
/// writer gets one channel item (not one per block) and memory is rented once per span.
/// </summary>
internal sealed class EncodedBatch
{
    private readonly List<ChunkRecordHeader> _headers = [];
    private byte[] _buffer;

    public EncodedBatch(int diskIndex, int capacity)
    {
        DiskIndex = diskIndex;
        _buffer = ArrayPool<byte>.Shared.Rent(capacity);
    }

    public int DiskIndex { get; }

    public int Length { get; private set; }

    public int Count => _headers.Count;

    public IReadOnlyList<ChunkRecordHeader> Headers => _headers;

    /// <summary>Free space for the next record.</summary>
    public Span<byte> Tail => _buffer.AsSpan(Length);

    public ReadOnlySpan<byte> Bytes => _buffer.AsSpan(0, Length);

    /// <summary>Accounts for a record just written at the start of <see cref="Tail"/>.</summary>
    public void Add(ChunkRecordHeader header)
    {
        _headers.Add(header);
        Length += header.RecordLength;
    }

    public void Release()
    {
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }
}
