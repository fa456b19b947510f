using System.Buffers;
using System.Text;
using Lifeboat.Hypervisors.Qemu;

namespace Lifeboat.Hypervisors.Tests;

public sealed class QmpFramingTests
{
    [Fact]
    public void Cuts_messages_at_line_ends_and_drops_carriage_returns_and_empty_lines()
    {
        var buffer = new ReadOnlySequence<byte>("{\"a\": 1}\r\n\r\n{\"b\": 2}\n{\"c\""u8.ToArray());
        var messages = new List<string>();
        while (QmpFraming.TryReadMessage(ref buffer, out var message))
        {
            messages.Add(Encoding.UTF8.GetString(message));
        }

        Assert.Equal(["{\"a\": 1}", "{\"b\": 2}"], messages);
        Assert.Equal("{\"c\"", Encoding.UTF8.GetString(buffer));
    }

    [Fact]
    public void A_message_split_across_segments_is_read_whole()
    {
        var text = "{\"return\": {\"status\": \"running\"}}\r\n";
        var bytes = Encoding.UTF8.GetBytes(text);
        for (var split = 1; split < bytes.Length; split++)
        {
            var buffer = Segments.Join(bytes[..split], bytes[split..]);
            Assert.True(QmpFraming.TryReadMessage(ref buffer, out var message));
            Assert.Equal(text.TrimEnd(), Encoding.UTF8.GetString(message));
            Assert.True(buffer.IsEmpty);
        }
    }

    [Fact]
    public void Needs_more_data_until_the_newline_comes()
    {
        var buffer = new ReadOnlySequence<byte>("{\"event\": \"STOP\"}\r"u8.ToArray());
        Assert.False(QmpFraming.TryReadMessage(ref buffer, out _));
        Assert.Equal(18, buffer.Length);
    }

    [Fact]
    public void A_peer_that_never_sends_a_newline_is_refused_before_the_cap()
    {
        var buffer = new ReadOnlySequence<byte>(new byte[QmpFraming.MaxMessageBytes + 1]);
        Assert.Throws<InvalidDataException>(() => QmpFraming.TryReadMessage(ref buffer, out _));
    }

    [Fact]
    public void A_line_longer_than_the_cap_is_refused_even_with_its_newline()
    {
        var bytes = new byte[QmpFraming.MaxMessageBytes + 2];
        bytes[^1] = (byte)'\n';
        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.Throws<InvalidDataException>(() => QmpFraming.TryReadMessage(ref buffer, out _));
    }

    private sealed class Segments : ReadOnlySequenceSegment<byte>
    {
        private Segments(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public static ReadOnlySequence<byte> Join(byte[] first, byte[] second)
        {
            var head = new Segments(first, 0);
            var tail = new Segments(second, first.Length);
            head.Next = tail;
            return new ReadOnlySequence<byte>(head, 0, tail, second.Length);
        }
    }
}
