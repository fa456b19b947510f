using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text;

namespace Lifeboat.OncRpc.Xdr;

/// <summary>
/// Reads XDR (RFC 4506) items from a contiguous buffer. Every read checks the remaining length and every
/// variable-length item is checked against a caller-supplied cap before anything is sliced or allocated.
/// Read* methods throw <see cref="XdrException"/>; TryRead* methods return false and leave the position unchanged.
/// </summary>
public ref struct XdrReader
{
    private readonly ReadOnlySpan<byte> _buffer;
    private int _position;

    public XdrReader(ReadOnlySpan<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
    }

    /// <summary>Offset of the next item from the start of the buffer given to the constructor.</summary>
    public readonly int Position => _position;

    public readonly int Remaining => _buffer.Length - _position;

    /// <summary>The bytes not read yet.</summary>
    public readonly ReadOnlySpan<byte> RemainingSpan => _buffer[_position..];

    public uint ReadUInt32()
    {
        if (!TryReadUInt32(out var value))
        {
            ThrowShort(4);
        }

        return value;
    }

    public bool TryReadUInt32(out uint value)
    {
        if (Remaining < 4)
        {
            value = 0;
            return false;
        }

        value = BinaryPrimitives.ReadUInt32BigEndian(_buffer.Slice(_position, 4));
        _position += 4;
        return true;
    }

    public int ReadInt32() => unchecked((int)ReadUInt32());

    public ulong ReadUInt64()
    {
        if (!TryReadUInt64(out var value))
        {
            ThrowShort(8);
        }

        return value;
    }

    public bool TryReadUInt64(out ulong value)
    {
        if (Remaining < 8)
        {
            value = 0;
            return false;
        }

        value = BinaryPrimitives.ReadUInt64BigEndian(_buffer.Slice(_position, 8));
        _position += 8;
        return true;
    }

    public long ReadInt64() => unchecked((long)ReadUInt64());

    /// <summary>An XDR bool: exactly 0 or 1; anything else is malformed.</summary>
    public bool ReadBool()
    {
        var value = ReadUInt32();
        return value switch
        {
            0 => false,
            1 => true,
            _ => throw new XdrException($"XDR bool must be 0 or 1 but was {value}; the sender's encoding is corrupt."),
        };
    }

    /// <summary>An XDR enum. The value is not checked against the enum's members: callers switch on it.</summary>
    public TEnum ReadEnum<TEnum>()
        where TEnum : struct, Enum
    {
        if (Unsafe.SizeOf<TEnum>() != 4)
        {
            throw new InvalidOperationException($"{typeof(TEnum).Name} must have a 4-byte underlying type to be read as an XDR enum.");
        }

        var raw = ReadUInt32();
        return Unsafe.As<uint, TEnum>(ref raw);
    }

    /// <summary>Variable-length opaque data (length, bytes, zero padding to 4) of at most <paramref name="maxLength"/> bytes.</summary>
    public ReadOnlySpan<byte> ReadOpaque(int maxLength)
    {
        var range = ReadOpaqueRange(maxLength);
        return _buffer[range];
    }

    /// <summary>
    /// Like <see cref="ReadOpaque"/> but returns where the data lies in the buffer given to the constructor, so a
    /// caller holding that buffer as memory (e.g. <c>RpcCall.Arguments</c>) can slice it without copying.
    /// </summary>
    public Range ReadOpaqueRange(int maxLength)
    {
        var start = _position;
        var length = ReadUInt32();
        if (length > (uint)maxLength)
        {
            _position = start;
            throw new XdrException($"XDR opaque length {length} exceeds the limit of {maxLength} bytes; the request is malformed or too large.");
        }

        return ReadFixedOpaqueRange((int)length, start);
    }

    public bool TryReadOpaque(int maxLength, out ReadOnlySpan<byte> value)
    {
        var start = _position;
        if (!TryReadUInt32(out var length) || length > (uint)maxLength || Padded(length) > Remaining)
        {
            _position = start;
            value = default;
            return false;
        }

        value = _buffer.Slice(_position, (int)length);
        _position += (int)Padded(length);
        return true;
    }

    /// <summary>Fixed-length opaque data of <paramref name="length"/> bytes followed by zero padding to 4.</summary>
    public ReadOnlySpan<byte> ReadFixedOpaque(int length) => _buffer[ReadFixedOpaqueRange(length, _position)];

    /// <summary>A UTF-8 string of at most <paramref name="maxLength"/> bytes.</summary>
    public string ReadString(int maxLength)
    {
        var bytes = ReadOpaque(maxLength);
        try
        {
            return Utf8Strict.GetString(bytes);
        }
        catch (DecoderFallbackException ex)
        {
            throw new XdrException("XDR string is not valid UTF-8; the sender must encode names as UTF-8.", ex);
        }
    }

    /// <summary>Moves past <paramref name="length"/> bytes plus padding.</summary>
    public void Skip(int length) => ReadFixedOpaqueRange(length, _position);

    private Range ReadFixedOpaqueRange(int length, int restoreTo)
    {
        if (length < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, "An XDR opaque length cannot be negative.");
        }

        var padded = Padded((uint)length);
        if (padded > Remaining)
        {
            _position = restoreTo;
            ThrowShort(padded);
        }

        var start = _position;
        _position += (int)padded;
        return new Range(start, start + length);
    }

    internal static long Padded(uint length) => ((long)length + 3) & ~3L;

    [DoesNotReturn]
    private readonly void ThrowShort(long needed) =>
        throw new XdrException($"XDR data ended early: needed {needed} bytes at offset {_position} but only {Remaining} remain; the message is truncated.");

    private static readonly UTF8Encoding Utf8Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}
