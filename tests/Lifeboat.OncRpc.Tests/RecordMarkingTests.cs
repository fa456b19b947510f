using System.Buffers;
using System.Buffers.Binary;
using Lifeboat.OncRpc.RecordMarking;

namespace Lifeboat.OncRpc.Tests;

public class RecordMarkingTests
{
    private static byte[] Fragment(ReadOnlySpan<byte> data, bool last)
    {
        var bytes = new byte[4 + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, (last ? 0x8000_0000u : 0) | (uint)data.Length);
        data.CopyTo(bytes.AsSpan(4));
        return bytes;
    }

    private static byte[] Payload(int length, int seed) => Enumerable.Range(0, length).Select(i => (byte)(i * 7 + seed)).ToArray();

    /// <summary>Feeds a stream to the reader in pieces, as a receive loop would, and returns the records found.</summary>
    private static List<byte[]> ReadAll(RecordMarkingReader reader, byte[] stream, int[] cuts, out RecordMarkingStatus lastStatus)
    {
        var records = new List<byte[]>();
        var buffered = new List<byte>();
        var previous = 0;
        lastStatus = RecordMarkingStatus.NeedMoreData;
        foreach (var cut in cuts.Append(stream.Length))
        {
            buffered.AddRange(stream[previous..cut]);
            previous = cut;
            var sequence = SequenceOf(buffered.ToArray(), 3);
            while ((lastStatus = reader.TryReadRecord(ref sequence, out var record)) == RecordMarkingStatus.Complete)
            {
                records.Add(record.ToArray());
            }

            if (lastStatus == RecordMarkingStatus.TooLarge)
            {
                return records;
            }

            buffered = [.. sequence.ToArray()];
        }

        return records;
    }

    /// <summary>A sequence of several segments, so records straddle segment boundaries.</summary>
    private static ReadOnlySequence<byte> SequenceOf(byte[] bytes, int segments)
    {
        if (bytes.Length < segments)
        {
            return new ReadOnlySequence<byte>(bytes);
        }

        var size = bytes.Length / segments;
        var first = new TestSegment(bytes.AsMemory(0, size), 0);
        var last = first;
        for (var i = 1; i < segments; i++)
        {
            var end = i == segments - 1 ? bytes.Length : (i + 1) * size;
            last = last.Append(bytes.AsMemory(i * size, end - (i * size)));
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    [Fact]
    public void Records_split_at_every_byte_boundary_are_reassembled()
    {
        var one = Payload(37, 1);
        var two = Payload(8, 2);
        var three = Payload(12, 3);
        byte[] stream = [.. Fragment(one, last: true), .. Fragment(two.AsSpan()[..3], last: false), .. Fragment(two.AsSpan()[3..], last: true), .. Fragment(three, last: true)];
        var reader = new RecordMarkingReader();

        for (var cut = 0; cut <= stream.Length; cut++)
        {
            var records = ReadAll(reader, stream, [cut], out var status);
            Assert.Equal(RecordMarkingStatus.NeedMoreData, status);
            Assert.Equal(3, records.Count);
            Assert.Equal(one, records[0]);
            Assert.Equal(two, records[1]);
            Assert.Equal(three, records[2]);
        }
    }

    [Fact]
    public void Byte_by_byte_delivery_yields_each_record_once_complete()
    {
        var payload = Payload(100, 5);
        byte[] stream = [.. Fragment(payload.AsSpan()[..10], false), .. Fragment([], false), .. Fragment(payload.AsSpan()[10..], true)];
        var records = ReadAll(new RecordMarkingReader(), stream, [.. Enumerable.Range(1, stream.Length - 1)], out _);
        Assert.Single(records);
        Assert.Equal(payload, records[0]);
    }

    [Fact]
    public void Multi_fragment_record_reports_its_length_and_fragments()
    {
        var payload = Payload(1000, 9);
        byte[] stream = [.. Fragment(payload.AsSpan()[..1], false), .. Fragment(payload.AsSpan()[1..500], false), .. Fragment(payload.AsSpan()[500..], true)];
        var sequence = new ReadOnlySequence<byte>(stream);

        Assert.Equal(RecordMarkingStatus.Complete, new RecordMarkingReader().TryReadRecord(ref sequence, out var record));
        Assert.Equal(1000, record.Length);
        Assert.Equal(3, record.FragmentCount);
        Assert.Equal(stream.Length, record.Framed.Length);
        Assert.True(sequence.IsEmpty);
        Assert.Equal(payload, record.ToArray());
    }

    [Fact]
    public void Incomplete_record_leaves_the_buffer_untouched()
    {
        byte[] stream = [.. Fragment(Payload(10, 0), false), .. Fragment(Payload(10, 0), true)];
        var sequence = new ReadOnlySequence<byte>(stream, 0, stream.Length - 1);
        Assert.Equal(RecordMarkingStatus.NeedMoreData, new RecordMarkingReader().TryReadRecord(ref sequence, out _));
        Assert.Equal(stream.Length - 1, sequence.Length);
    }

    [Fact]
    public void Oversized_fragment_is_refused_from_its_header_alone()
    {
        var header = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(header, 0x8000_0000u | 2_000_000);
        var sequence = new ReadOnlySequence<byte>(header);
        Assert.Equal(RecordMarkingStatus.TooLarge, new RecordMarkingReader().TryReadRecord(ref sequence, out _));
    }

    [Fact]
    public void Fragments_adding_up_past_the_record_cap_are_refused()
    {
        var reader = new RecordMarkingReader(maxRecordSize: 100);
        byte[] stream = [.. Fragment(Payload(60, 0), false), .. Fragment(Payload(60, 0), true)];
        ReadAll(reader, stream, [], out var status);
        Assert.Equal(RecordMarkingStatus.TooLarge, status);

        byte[] exact = [.. Fragment(Payload(50, 0), false), .. Fragment(Payload(50, 0), true)];
        Assert.Single(ReadAll(reader, exact, [], out _));
    }

    [Fact]
    public void Never_ending_empty_fragments_are_refused()
    {
        var reader = new RecordMarkingReader(maxRecordSize: 1000, maxFragmentsPerRecord: 16);
        var stream = Enumerable.Range(0, 17).SelectMany(_ => Fragment([], false)).ToArray();
        ReadAll(reader, stream, [], out var status);
        Assert.Equal(RecordMarkingStatus.TooLarge, status);
    }

    [Fact]
    public void Last_fragment_header_round_trips()
    {
        var bytes = new byte[4 + 3];
        RecordMarkingReader.WriteLastFragmentHeader(bytes, 3);
        var sequence = new ReadOnlySequence<byte>(bytes);
        Assert.Equal(RecordMarkingStatus.Complete, new RecordMarkingReader().TryReadRecord(ref sequence, out var record));
        Assert.Equal(3, record.Length);
    }

    [Fact]
    public void Records_of_unaligned_fragments_over_any_segmentation_copy_out_their_exact_bytes()
    {
        var random = new Random(2000);
        var reader = new RecordMarkingReader();
        for (var round = 0; round < 2000; round++)
        {
            var payload = Payload(random.Next(0, 300), round);
            var stream = new List<byte>();
            var lengths = new List<int>();
            for (var left = payload.Length; left > 0 || lengths.Count == 0;)
            {
                var length = Math.Min(left, random.Next(0, 70));
                lengths.Add(length);
                left -= length;
            }

            var offset = 0;
            for (var i = 0; i < lengths.Count; i++)
            {
                var last = i == lengths.Count - 1;
                var take = last ? payload.Length - offset : lengths[i];
                stream.AddRange(Fragment(payload.AsSpan(offset, take), last));
                offset += take;
            }

            var bytes = stream.ToArray();
            var cuts = new SortedSet<int>();
            var segments = random.Next(1, Math.Max(2, bytes.Length / 2));
            while (cuts.Count < segments - 1 && cuts.Count < bytes.Length - 1)
            {
                cuts.Add(random.Next(1, bytes.Length));
            }

            var sequence = SequenceCutAt(bytes, [.. cuts]);
            Assert.Equal(RecordMarkingStatus.Complete, reader.TryReadRecord(ref sequence, out var record));
            Assert.True(sequence.IsEmpty);
            Assert.Equal(payload, record.ToArray());
        }
    }

    private static ReadOnlySequence<byte> SequenceCutAt(byte[] bytes, int[] cuts)
    {
        if (cuts.Length == 0)
        {
            return new ReadOnlySequence<byte>(bytes);
        }

        var first = new TestSegment(bytes.AsMemory(0, cuts[0]), 0);
        var last = first;
        for (var i = 0; i < cuts.Length; i++)
        {
            var end = i == cuts.Length - 1 ? bytes.Length : cuts[i + 1];
            last = last.Append(bytes.AsMemory(cuts[i], end - cuts[i]));
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class TestSegment : ReadOnlySequenceSegment<byte>
    {
        public TestSegment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public TestSegment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new TestSegment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
