using System.Buffers;
using System.Text;
using Lifeboat.Hypervisors.Qemu.GuestAgent;

namespace Lifeboat.Hypervisors.Tests;

/// <summary>What the guest agent channel may carry when a client arrives: leftovers, then the sentinel and the sync answer.</summary>
public sealed class QgaFramingTests
{
    [Fact]
    public void Stale_bytes_before_the_sentinel_are_dropped_and_the_answers_after_it_are_read()
    {
        // An answer an earlier client left half-read, the error qemu-ga gives for the 0xFF that resets its parser,
        // then the sync answer and the answer to the command that followed it.
        var bytes = Concat(
            "nt\": 7}\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\uFFFD'\"}}\n"u8,
            [QgaFraming.Sentinel],
            "{\"return\": 42}\n{\"return\": {}, \"id\": 43}\n"u8);
        var buffer = new ReadOnlySequence<byte>(bytes);

        Assert.True(QgaFraming.TrySkipPastSentinel(ref buffer));
        Assert.True(QgaFraming.TryReadMessage(ref buffer, out var sync));
        Assert.True(QgaFraming.IsSyncAnswer(QgaFraming.Parse(sync), 42));
        Assert.False(QgaFraming.IsSyncAnswer(QgaFraming.Parse(sync), 41));
        Assert.True(QgaFraming.TryReadMessage(ref buffer, out var ping));
        Assert.True(QgaFraming.HasId(QgaFraming.Parse(ping), 43));
        Assert.True(buffer.IsEmpty);
    }

    [Fact]
    public void Without_a_sentinel_everything_is_dropped_so_leftovers_never_pile_up()
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(new string('x', 10_000) + "{\"return\": 42}\n"));

        Assert.False(QgaFraming.TrySkipPastSentinel(ref buffer));
        Assert.True(buffer.IsEmpty);
    }

    [Fact]
    public void A_sentinel_and_answer_split_across_segments_are_found()
    {
        var bytes = Concat("{\"return\": 1}\n"u8, [QgaFraming.Sentinel], "{\"return\": 2}\n"u8);
        for (var split = 1; split < bytes.Length; split++)
        {
            var buffer = Segment.Join(bytes[..split], bytes[split..]);
            Assert.True(QgaFraming.TrySkipPastSentinel(ref buffer));
            Assert.True(QgaFraming.TryReadMessage(ref buffer, out var line));
            Assert.True(QgaFraming.IsSyncAnswer(QgaFraming.Parse(line), 2));
        }
    }

    [Fact]
    public void An_answer_that_has_not_fully_arrived_needs_more_data()
    {
        var buffer = new ReadOnlySequence<byte>(Concat([QgaFraming.Sentinel], "{\"return\": 4"u8));

        Assert.True(QgaFraming.TrySkipPastSentinel(ref buffer));
        Assert.False(QgaFraming.TryReadMessage(ref buffer, out _));
        Assert.Equal("{\"return\": 4", Encoding.UTF8.GetString(buffer));
    }

    [Theory]
    [InlineData("[1, 2]")]
    [InlineData("{\"return\": ")]
    [InlineData("not json")]
    public void Lines_that_are_not_json_objects_are_refused(string line)
    {
        Assert.Throws<InvalidDataException>(() => QgaFraming.Parse(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(line))));
    }

    [Fact]
    public void A_line_longer_than_any_agent_answer_is_refused()
    {
        var buffer = new ReadOnlySequence<byte>(new byte[QgaFraming.MaxMessageBytes + 1]);

        Assert.Throws<InvalidDataException>(() => QgaFraming.TryReadMessage(ref buffer, out _));
    }

    [Theory]
    [InlineData("{\"return\": 42}", false)]
    [InlineData("{\"return\": {}, \"id\": \"42\"}", false)]
    [InlineData("{\"return\": {}, \"id\": 42.5}", false)]
    [InlineData("{\"return\": {}, \"id\": 42}", true)]
    [InlineData("{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"x\"}, \"id\": 42}", true)]
    public void Answers_are_matched_by_the_numeric_id_they_echo(string line, bool matches)
    {
        Assert.Equal(matches, QgaFraming.HasId(QgaFraming.Parse(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(line))), 42));
    }

    private static byte[] Concat(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, ReadOnlySpan<byte> third = default) =>
        [.. first, .. second, .. third];

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        private Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public static ReadOnlySequence<byte> Join(byte[] first, byte[] second)
        {
            var head = new Segment(first, 0);
            var tail = new Segment(second, first.Length);
            head.Next = tail;
            return new ReadOnlySequence<byte>(head, 0, tail, second.Length);
        }
    }
}
