using Lifeboat.Disks.BaseReads;

namespace Lifeboat.Disks.Tests;

public sealed class SequentialStreamsTests
{
    private const int MiB = 1024 * 1024;

    [Fact]
    public void A_sequential_reader_becomes_a_stream_once_it_covered_the_threshold()
    {
        var streams = new SequentialStreams(4 * MiB);
        var answers = Enumerable.Range(0, 8).Select(i => streams.IsStreaming((long)i * MiB, MiB)).ToList();

        Assert.Equal([false, false, false, false, true, true, true, true], answers);
    }

    [Fact]
    public void Requests_in_flight_that_arrive_out_of_order_still_count_as_the_stream()
    {
        var streams = new SequentialStreams(MiB);
        long[] order = [0, 2, 1, 3, 5, 4, 7, 6, 9, 8, 11, 10];
        var answers = order.Select(block => streams.IsStreaming(block * 256 * 1024, 256 * 1024)).ToList();

        // 1 MiB is four blocks: the fifth request to arrive is the first one past the threshold, and so are all after it.
        Assert.Equal([false, false, false, false, true, true, true, true, true, true, true, true], answers);
    }

    [Fact]
    public void Two_interleaved_readers_are_two_streams()
    {
        var streams = new SequentialStreams(2 * MiB);
        long second = 512L * MiB;
        bool lastFirst = false, lastSecond = false;
        for (int i = 0; i < 6; i++)
        {
            lastFirst = streams.IsStreaming((long)i * MiB, MiB);
            lastSecond = streams.IsStreaming(second + ((long)i * MiB), MiB);
        }

        Assert.True(lastFirst);
        Assert.True(lastSecond);
    }

    [Fact]
    public void Random_reads_are_never_taken_for_a_stream()
    {
        var streams = new SequentialStreams(MiB);
        var random = new Random(5);
        long disk = 4L * 1024 * MiB;
        for (int i = 0; i < 20_000; i++)
        {
            long offset = random.NextInt64(0, disk / 4096) * 4096;
            Assert.False(streams.IsStreaming(offset, 128 * 1024), $"random read {i} at {offset} was taken for a stream");
        }
    }

    [Fact]
    public void Random_reads_packed_in_a_small_disk_are_not_a_stream_either()
    {
        // 64 MiB: every read lands within the slack of some run, but the runs stay sparse.
        var streams = new SequentialStreams(MiB);
        var random = new Random(6);
        int streaming = 0;
        for (int i = 0; i < 20_000; i++)
        {
            if (streams.IsStreaming(random.NextInt64(0, 64 * MiB / 4096) * 4096, 128 * 1024))
                streaming++;
        }

        Assert.True(streaming < 20, $"{streaming} of 20000 random reads were taken for a stream");
    }

    [Fact]
    public void Small_reads_are_never_a_stream()
    {
        var streams = new SequentialStreams(MiB);
        for (long offset = 0; offset < 8 * MiB; offset += 4096)
            Assert.False(streams.IsStreaming(offset, 4096));
    }
}
