using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Lifeboat.OncRpc.Xdr;

/// <summary>Writes XDR (RFC 4506) items straight into an <see cref="IBufferWriter{T}"/>.</summary>
public readonly struct XdrWriter(IBufferWriter<byte> output)
{
    private readonly IBufferWriter<byte> _output = output ?? throw new ArgumentNullException(nameof(output));

    public IBufferWriter<byte> Output => _output;

    public void WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_output.GetSpan(4), value);
        _output.Advance(4);
    }

    public void WriteInt32(int value) => WriteUInt32(unchecked((uint)value));

    public void WriteUInt64(ulong value)
    {
        BinaryPrimitives.WriteUInt64BigEndian(_output.GetSpan(8), value);
        _output.Advance(8);
    }

    public void WriteInt64(long value) => WriteUInt64(unchecked((ulong)value));

    public void WriteBool(bool value) => WriteUInt32(value ? 1u : 0u);

    /// <summary>Variable-length opaque data: length, bytes, zero padding to a multiple of 4.</summary>
    public void WriteOpaque(ReadOnlySpan<byte> value)
    {
        WriteUInt32((uint)value.Length);
        WriteFixedOpaque(value);
    }

    /// <summary>Fixed-length opaque data: the bytes, then zero padding to a multiple of 4.</summary>
    public void WriteFixedOpaque(ReadOnlySpan<byte> value)
    {
        var padded = (value.Length + 3) & ~3;
        var span = _output.GetSpan(padded);
        value.CopyTo(span);
        span[value.Length..padded].Clear();
        _output.Advance(padded);
    }

    /// <summary>A string as UTF-8 opaque data.</summary>
    public void WriteString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var length = Encoding.UTF8.GetByteCount(value);
        WriteUInt32((uint)length);
        var padded = (length + 3) & ~3;
        var span = _output.GetSpan(padded);
        Encoding.UTF8.GetBytes(value, span);
        span[length..padded].Clear();
        _output.Advance(padded);
    }

    /// <summary>
    /// Gets room for <paramref name="length"/> bytes of opaque data after writing its length, so a caller can read
    /// file data straight into the reply. Call <see cref="CommitOpaque"/> with the bytes actually filled, before any
    /// other write. Relies on the output returning the same memory for a second, not larger request without an
    /// Advance in between, as ArrayBufferWriter, Pipe and the RPC server's results writer do.
    /// </summary>
    public Span<byte> GetOpaqueSpan(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return _output.GetSpan(4 + ((length + 3) & ~3)).Slice(4, length);
    }

    /// <summary>Writes the length and padding around <paramref name="written"/> bytes put in <see cref="GetOpaqueSpan"/>'s span.</summary>
    public void CommitOpaque(int written)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(written);
        var padded = (written + 3) & ~3;
        var span = _output.GetSpan(4 + padded);
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)written);
        span.Slice(4 + written, padded - written).Clear();
        _output.Advance(4 + padded);
    }
}
