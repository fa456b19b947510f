namespace Lifeboat.Disks.Tests;

public sealed class ClusterBitmapTests
{
    [Fact]
    public void Runs_set_and_cleared_match_a_boolean_array()
    {
        const long Capacity = 600_000; // spans several bitmap pages
        var bitmap = new ClusterBitmap(Capacity);
        var model = new bool[Capacity];
        var random = new Random(60);
        for (int i = 0; i < 300; i++)
        {
            long first = random.NextInt64(0, Capacity);
            long count = random.NextInt64(1, Math.Min(5000, Capacity - first) + 1);
            long added = bitmap.SetRange(first, count);
            long expectedAdded = 0;
            for (long c = first; c < first + count; c++)
            {
                if (!model[c])
                    expectedAdded++;
                model[c] = true;
            }

            Assert.Equal(expectedAdded, added);
            if (i % 50 == 49)
            {
                long cut = random.NextInt64(0, Capacity);
                bitmap.ClearFrom(cut);
                Array.Fill(model, false, (int)cut, (int)(Capacity - cut));
            }
        }

        Assert.Equal(model.LongCount(b => b), bitmap.Count);
        for (int i = 0; i < 2000; i++)
        {
            long from = random.NextInt64(0, Capacity);
            long to = Math.Min(Capacity, from + random.NextInt64(0, 100_000));
            bool value = random.Next(2) == 0;
            long expected = from;
            while (expected < to && model[expected] != value)
                expected++;
            Assert.Equal(expected, bitmap.FindFirst(from, to, value));
        }

        long c2 = 0;
        foreach (var (first, count) in bitmap.EnumerateRuns())
        {
            for (; c2 < first; c2++)
                Assert.False(model[c2]);
            for (; c2 < first + count; c2++)
                Assert.True(model[c2]);
        }

        for (; c2 < Capacity; c2++)
            Assert.False(model[c2]);
    }

    [Fact]
    public void A_range_outside_the_bitmap_is_refused()
    {
        var bitmap = new ClusterBitmap(100);
        Assert.Throws<ArgumentOutOfRangeException>(() => bitmap.SetRange(90, 11));
        Assert.Throws<ArgumentOutOfRangeException>(() => bitmap.SetRange(-1, 1));
    }
}
