using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Lifeboat.Hypervisors.Qemu.GuestAgent;

/// <summary>
/// The guest agent's side of the stream: JSON answers, one per line, and the sentinel byte 0xFF that precedes the
/// answer to <c>guest-sync-delimited</c>. 0xFF never occurs in UTF-8, so it cannot be part of a stale answer: what
/// comes before it is whatever an earlier client left unread.
/// </summary>
internal static class QgaFraming
{
    public const byte Sentinel = 0xFF;

    /// <summary>The agent's answers are a few KiB at most (guest-info lists its commands); a longer line is not an agent's.</summary>
    public const int MaxMessageBytes = 64 * 1024;

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 64 };

    /// <summary>
    /// Drops everything up to and including the next sentinel. Returns false, with the buffer emptied, when no sentinel
    /// has come yet: nothing before one is worth keeping.
    /// </summary>
    public static bool TrySkipPastSentinel(ref ReadOnlySequence<byte> buffer)
    {
        var sentinel = buffer.PositionOf(Sentinel);
        if (sentinel is null)
        {
            buffer = buffer.Slice(buffer.End);
            return false;
        }

        buffer = buffer.Slice(buffer.GetPosition(1, sentinel.Value));
        return true;
    }

    /// <summary>Takes the next non-empty line off <paramref name="buffer"/>; false when more data is needed.</summary>
    /// <exception cref="InvalidDataException">A line is longer than <see cref="MaxMessageBytes"/>.</exception>
    public static bool TryReadMessage(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> message) =>
        QmpFraming.TryReadMessage(ref buffer, out message, MaxMessageBytes);

    /// <summary>Parses one answer.</summary>
    /// <exception cref="InvalidDataException">The line is not a JSON object.</exception>
    public static JsonObject Parse(ReadOnlySequence<byte> message)
    {
        try
        {
            var reader = new Utf8JsonReader(message, ReaderOptions);
            return JsonNode.Parse(ref reader) as JsonObject
                ?? throw new InvalidDataException("The guest agent channel carried a line that is not a JSON object; the peer is not a QEMU guest agent.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"The guest agent channel carried a line that is not JSON ({ex.Message}); the peer is not a QEMU guest agent.", ex);
        }
    }

    /// <summary>True for <c>{"return": id}</c>, the answer to <c>guest-sync-delimited</c> with that id.</summary>
    public static bool IsSyncAnswer(JsonObject answer, long id) =>
        answer["return"] is JsonValue value && value.TryGetValue<long>(out var returned) && returned == id;

    /// <summary>True for an answer that carries <paramref name="id"/> (the agent echoes a command's <c>id</c>).</summary>
    public static bool HasId(JsonObject answer, long id) =>
        answer["id"] is JsonValue value && value.TryGetValue<long>(out var echoed) && echoed == id;
}
