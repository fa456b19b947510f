using System.Buffers;
using Lifeboat.OncRpc.RecordMarking;
using Lifeboat.Transport;

namespace Lifeboat.OncRpc.Transport;

/// <summary>
/// One outgoing record built in a pooled array. Room for the record mark, and optionally for a fixed-size message
/// header the writer fills in last, is kept in front of the body, so a message goes out without being copied.
/// </summary>
internal sealed class RecordBuffer : IBufferWriter<byte>, IOutgoingFrame, IDisposable
{
    private const int RecordMarkSize = 4;
    private const int InitialSize = 256;

    private byte[] _buffer;
    private int _written;

    /// <param name="headerSize">Bytes kept after the record mark for a header written later through <see cref="Header"/>.</param>
    public RecordBuffer(int headerSize = 0, int sizeHint = InitialSize)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(RecordMarkSize + headerSize + sizeHint, InitialSize));
        HeaderSize = headerSize;
        _written = BodyStart;
    }

    public int HeaderSize { get; }

    /// <summary>The size of the call this record answers, returned to the connection's byte budget once sent.</summary>
    public long AdmittedBytes { get; set; }

    public ArraySegment<byte> Bytes => Record;

    /// <summary>The whole record, valid after <see cref="Seal"/>.</summary>
    public ArraySegment<byte> Record => new(_buffer, 0, _written);

    /// <summary>The message without its record mark, for a datagram transport (RFC 5531 section 10 marks records on streams only).</summary>
    public ArraySegment<byte> Message => new(_buffer, RecordMarkSize, _written - RecordMarkSize);

    /// <summary>The reserved header space, to fill in once the body is written.</summary>
    public Span<byte> Header => _buffer.AsSpan(RecordMarkSize, HeaderSize);

    /// <summary>Bytes written after the reserved header.</summary>
    public int BodyLength => _written - BodyStart;

    private int BodyStart => RecordMarkSize + HeaderSize;

    /// <summary>Forgets the body, keeping the reserved header space.</summary>
    public void ClearBody() => _written = BodyStart;

    /// <summary>Forgets the header space and the body: the message is then written whole through the writer.</summary>
    public void ClearAll() => _written = RecordMarkSize;

    /// <summary>Writes the record mark: the record is sent as one last fragment.</summary>
    public void Seal() => RecordMarkingReader.WriteLastFragmentHeader(_buffer, _written - RecordMarkSize);

    public void Advance(int count)
    {
        if ((uint)count > (uint)(_buffer.Length - _written))
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "Cannot advance past the end of the span obtained from GetSpan.");
        }

        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsSpan(_written);
    }

    public void Release() => Dispose();

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _written = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Reserve(int sizeHint)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sizeHint);
        ObjectDisposedException.ThrowIf(_buffer.Length == 0, this);
        var needed = Math.Max(sizeHint, 1);
        if (_buffer.Length - _written >= needed)
        {
            return;
        }

        var size = Math.Max((long)_written + needed, (long)_buffer.Length * 2);
        if (size > Array.MaxLength)
        {
            throw new InvalidOperationException($"An RPC record cannot exceed {Array.MaxLength} bytes.");
        }

        var larger = ArrayPool<byte>.Shared.Rent((int)size);
        _buffer.AsSpan(0, _written).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }
}
