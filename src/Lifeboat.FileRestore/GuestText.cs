using System.Globalization;
using System.Text;

namespace Lifeboat.FileRestore;

/// <summary>
/// The one text form of a guest's raw name bytes: printable UTF-8 as it is; backslash as <c>\\</c>; newline, tab and
/// carriage return as <c>\n</c>, <c>\t</c>, <c>\r</c>; every other control byte and every byte that is not part of valid
/// UTF-8 as <c>\xNN</c>. <see cref="Unescape"/> turns it back into the same bytes.
/// </summary>
public static class GuestText
{
    public static string Escape(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder(bytes.Length);
        while (!bytes.IsEmpty)
        {
            var status = System.Text.Rune.DecodeFromUtf8(bytes, out var rune, out var consumed);
            if (status != System.Buffers.OperationStatus.Done)
            {
                text.Append(CultureInfo.InvariantCulture, $"\\x{bytes[0]:x2}");
                bytes = bytes[1..];
                continue;
            }

            switch (rune.Value)
            {
                case '\\': text.Append(@"\\"); break;
                case '\n': text.Append(@"\n"); break;
                case '\t': text.Append(@"\t"); break;
                case '\r': text.Append(@"\r"); break;
                default:
                    if (System.Text.Rune.IsControl(rune))
                    {
                        for (var i = 0; i < consumed; i++)
                            text.Append(CultureInfo.InvariantCulture, $"\\x{bytes[i]:x2}");
                    }
                    else
                    {
                        text.Append(rune.ToString());
                    }

                    break;
            }

            bytes = bytes[consumed..];
        }

        return text.ToString();
    }

    /// <exception cref="FileRestoreException">A backslash starts no known escape.</exception>
    public static byte[] Unescape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var bytes = new List<byte>(text.Length);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c != '\\')
            {
                var rune = System.Text.Rune.GetRuneAt(text, i);
                var length = rune.EncodeToUtf8(utf8);
                for (var j = 0; j < length; j++)
                    bytes.Add(utf8[j]);
                i += rune.Utf16SequenceLength - 1;
                continue;
            }

            if (i + 1 >= text.Length)
                throw new FileRestoreException("The path ends with a lone '\\'; write a backslash as '\\\\'.", "path");
            var next = text[++i];
            switch (next)
            {
                case '\\': bytes.Add((byte)'\\'); break;
                case 'n': bytes.Add((byte)'\n'); break;
                case 't': bytes.Add((byte)'\t'); break;
                case 'r': bytes.Add((byte)'\r'); break;
                case 'x' when i + 2 < text.Length && byte.TryParse(text.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value):
                    bytes.Add(value);
                    i += 2;
                    break;
                default:
                    throw new FileRestoreException($"'\\{next}' in the path is not an escape; use \\\\, \\n, \\t, \\r or \\xNN.", "path");
            }
        }

        return [.. bytes];
    }
}
