using System.Buffers.Binary;

namespace Lifeboat.Testing.Rpc;

/// <summary>
/// Record marking (RFC 5531 section 11) written byte by byte, independent of Lifeboat's own writer, so that tests can
/// frame what a correct client never would: any split into fragments, marks that lie about their length.
/// </summary>
public static class RpcRecords
{
    public const uint LastFragment = 0x8000_0000;

    public const uint LengthMask = 0x7FFF_FFFF;

    /// <summary>The message as one last fragment.</summary>
    public static byte[] Record(ReadOnlySpan<byte> message) => Fragment((uint)message.Length | LastFragment, message);

    /// <summary>A record mark followed by <paramref name="body"/>, whatever the mark claims.</summary>
    public static byte[] Fragment(uint mark, ReadOnlySpan<byte> body) => [.. Mark(mark), .. body];

    public static byte[] Mark(uint value)
    {
        var mark = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(mark, value);
        return mark;
    }

    /// <summary>Record-marks a message as one fragment, or as <paramref name="fragments"/> pieces of about equal length.</summary>
    public static byte[] Frame(byte[] message, int fragments = 1)
    {
        var size = Math.Max(1, message.Length / Math.Max(1, fragments));
        return FrameAt(message, [.. Enumerable.Repeat(size, Math.Max(1, fragments))]);
    }

    /// <summary>
    /// Record-marks a message as fragments of exactly these lengths; the last fragment takes what is left, and a
    /// fragment that reaches the message's end is the last: any split RFC 5531 allows, empty fragments included.
    /// </summary>
    public static byte[] FrameAt(byte[] message, IReadOnlyList<int> lengths)
    {
        var output = new List<byte>();
        var offset = 0;
        for (var i = 0; i < lengths.Count; i++)
        {
            var last = i == lengths.Count - 1 || offset + lengths[i] >= message.Length;
            var take = last ? message.Length - offset : lengths[i];
            output.AddRange(Fragment((last ? LastFragment : 0) | (uint)take, message.AsSpan(offset, take)));
            offset += take;
            if (last)
            {
                break;
            }
        }

        return [.. output];
    }

    /// <summary>Record-marks a message as fragments of random lengths below <paramref name="maxFragment"/>, empty ones included.</summary>
    public static byte[] FrameRandomly(byte[] message, Random random, int maxFragment)
    {
        var lengths = new List<int>();
        for (var left = message.Length; left > 0;)
        {
            var length = Math.Min(left, random.Next(0, maxFragment));
            lengths.Add(length);
            left -= length;
        }

        return FrameAt(message, lengths.Count == 0 ? [0] : lengths);
    }

    /// <summary>
    /// The records a server wrote, each as its one fragment's body; a reply in more than one fragment, a mark that
    /// runs past the end or bytes after the last record fail the test with <paramref name="context"/>.
    /// </summary>
    public static List<ReadOnlyMemory<byte>> Replies(ReadOnlyMemory<byte> stream, string context = "") => Replies(stream, () => context);

    /// <summary>As <see cref="Replies(ReadOnlyMemory{byte}, string)"/>, the context made only when the test fails (a fuzz run checks 10^5 streams).</summary>
    public static List<ReadOnlyMemory<byte>> Replies(ReadOnlyMemory<byte> stream, Func<string> context)
    {
        var replies = new List<ReadOnlyMemory<byte>>();
        var at = 0;
        while (at + 4 <= stream.Length)
        {
            var mark = BinaryPrimitives.ReadUInt32BigEndian(stream.Span[at..]);
            var length = (int)(mark & LengthMask);
            if ((mark & LastFragment) == 0 || at + 4 + length > stream.Length)
            {
                Assert.Fail($"The server wrote a broken record mark{context()}.");
            }

            replies.Add(stream.Slice(at + 4, length));
            at += 4 + length;
        }

        if (at != stream.Length)
        {
            Assert.Fail($"The server's output ends inside a record mark{context()}.");
        }

        return replies;
    }
}
