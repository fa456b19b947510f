using System.Buffers.Binary;

namespace Lifeboat.FileRestore.Archives.Tar;

/// <summary>
/// The numeric fields of a tar header: octal digits (leading spaces or zeros, ended by NUL or space) or GNU's base-256
/// form (first byte 0x80 positive, 0xFF negative, the rest big-endian), which GNU tar writes where octal does not fit.
/// </summary>
internal static class TarNumber
{
    /// <exception cref="FileRestoreException">The field holds neither octal digits nor a base-256 number that fits in 63 bits.</exception>
    public static long Parse(ReadOnlySpan<byte> field, string fieldName)
    {
        if (field.Length > 0 && (field[0] == 0x80 || field[0] == 0xFF))
            return ParseBase256(field, fieldName);
        var at = 0;
        while (at < field.Length && field[at] == (byte)' ')
            at++;
        long value = 0;
        for (; at < field.Length; at++)
        {
            var b = field[at];
            if (b == 0 || b == (byte)' ')
                break;
            if (b < (byte)'0' || b > (byte)'7' || value > (long.MaxValue >> 3))
                throw new FileRestoreException($"The tar header's {fieldName} field is not an octal number.", fieldName);
            value = (value << 3) | (uint)(b - '0');
        }

        for (; at < field.Length; at++)
        {
            if (field[at] != 0 && field[at] != (byte)' ')
                throw new FileRestoreException($"The tar header's {fieldName} field is not an octal number.", fieldName);
        }

        return value;
    }

    /// <summary>Writes <paramref name="value"/> as zero-padded octal ended by NUL, or base-256 when octal does not fit.</summary>
    public static void Write(Span<byte> field, long value)
    {
        var digits = field.Length - 1;
        if (value >= 0 && (digits >= 21 || value < 1L << (3 * digits)))
        {
            field[digits] = 0;
            for (var i = digits - 1; i >= 0; i--)
            {
                field[i] = (byte)('0' + (value & 7));
                value >>= 3;
            }

            return;
        }

        field.Fill(value < 0 ? (byte)0xFF : (byte)0);
        BinaryPrimitives.WriteInt64BigEndian(field[^8..], value);
        field[0] = value < 0 ? (byte)0xFF : (byte)0x80;
    }

    private static long ParseBase256(ReadOnlySpan<byte> field, string fieldName)
    {
        var negative = field[0] == 0xFF;
        var filler = negative ? (byte)0xFF : (byte)0;
        var head = field[1..^Math.Min(8, field.Length - 1)];
        if (head.ContainsAnyExcept(filler))
            throw new FileRestoreException($"The tar header's {fieldName} field holds a number too large to use.", fieldName);
        Span<byte> tail = stackalloc byte[8];
        tail.Fill(filler);
        var bytes = field[(1 + head.Length)..];
        bytes.CopyTo(tail[(8 - bytes.Length)..]);
        var value = BinaryPrimitives.ReadInt64BigEndian(tail);
        if (negative != value < 0)
            throw new FileRestoreException($"The tar header's {fieldName} field holds a number too large to use.", fieldName);
        return value;
    }
}
