using System.Buffers;

namespace Lifeboat.Hypervisors.Qemu;

/// <summary>QMP and the guest agent send one JSON object per line (QMP ends them with CR LF); this cuts a byte stream into them.</summary>
internal static class QmpFraming
{
    /// <summary>
    /// Larger than any answer QEMU gives (<c>query-qmp-schema</c> is a few hundred KiB), small enough that a
    /// peer which never sends a newline cannot make us buffer without bound.
    /// </summary>
    public const int MaxMessageBytes = 16 * 1024 * 1024;

    /// <summary>
    /// Takes the next non-empty line off <paramref name="buffer"/>. Returns false when more data is needed.
    /// </summary>
    /// <exception cref="InvalidDataException">A line is longer than <see cref="MaxMessageBytes"/>.</exception>
    public static bool TryReadMessage(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> message) =>
        TryReadMessage(ref buffer, out message, MaxMessageBytes);

    /// <inheritdoc cref="TryReadMessage(ref ReadOnlySequence{byte}, out ReadOnlySequence{byte})"/>
    /// <param name="maxMessageBytes">The longest line accepted from this peer.</param>
    public static bool TryReadMessage(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> message, int maxMessageBytes)
    {
        while (true)
        {
            var newline = buffer.PositionOf((byte)'\n');
            if (newline is null)
            {
                if (buffer.Length > maxMessageBytes)
                {
                    throw new InvalidDataException(
                        $"The peer sent more than {maxMessageBytes} bytes without a newline; it is not a QEMU monitor or guest agent, or it is broken.");
                }

                message = default;
                return false;
            }

            var line = buffer.Slice(0, newline.Value);
            buffer = buffer.Slice(buffer.GetPosition(1, newline.Value));
            if (line.Length > maxMessageBytes)
            {
                throw new InvalidDataException(
                    $"The peer sent a {line.Length}-byte message, more than the {maxMessageBytes} bytes allowed.");
            }

            line = TrimTrailingCarriageReturn(line);
            if (!line.IsEmpty)
            {
                message = line;
                return true;
            }
        }
    }

    private static ReadOnlySequence<byte> TrimTrailingCarriageReturn(ReadOnlySequence<byte> line)
    {
        if (line.IsEmpty)
        {
            return line;
        }

        var lastPosition = line.GetPosition(line.Length - 1);
        var last = line.Slice(lastPosition, 1).FirstSpan[0];
        return last == (byte)'\r' ? line.Slice(0, line.Length - 1) : line;
    }
}
