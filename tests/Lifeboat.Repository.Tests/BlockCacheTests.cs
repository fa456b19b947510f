using Lifeboat.Repository.Reading;

namespace Lifeboat.Repository.Tests;

public class BlockCacheTests
{
    [Fact]
    public void Filled_blocks_are_served_and_old_ones_are_evicted_to_stay_within_capacity()
    {
        var cache = new BlockCache(3 * 16, 16);
        for (long block = 0; block < 3; block++)
        {
            Fill(cache, block);
        }

        var buffer = new byte[4];
        Assert.True(cache.TryCopy(0, 4, buffer));
        Assert.Equal(new byte[] { 4, 5, 6, 7 }, buffer);
        Assert.True(cache.TryCopy(2, 0, buffer));
        Assert.Equal(new byte[] { 32, 33, 34, 35 }, buffer);

        Fill(cache, 3);
        Fill(cache, 4);

        int cached = Enumerable.Range(0, 5).Count(b => cache.TryCopy(b, 0, buffer));
        Assert.Equal(3, cached);
        Assert.True(cache.TryCopy(4, 0, buffer));
        Assert.Equal(new byte[] { 64, 65, 66, 67 }, buffer);
    }

    [Fact]
    public void Slot_being_filled_is_never_served_and_an_aborted_fill_leaves_a_miss()
    {
        var cache = new BlockCache(2 * 16, 16);
        int slot = cache.BeginFill(7, out var buffer);
        buffer.Fill(1);

        Assert.False(cache.TryCopy(7, 0, new byte[4]));
        cache.AbortFill(slot);
        Assert.False(cache.TryCopy(7, 0, new byte[4]));

        Fill(cache, 7);
        cache.Clear();
        Assert.False(cache.TryCopy(7, 0, new byte[4]));
    }

    [Fact]
    public void Cache_smaller_than_a_block_has_no_slots()
    {
        var cache = new BlockCache(1000, 4096);

        Assert.Equal(0, cache.Capacity);
        Assert.Equal(-1, cache.BeginFill(0, out _));
    }

    private static void Fill(BlockCache cache, long block)
    {
        int slot = cache.BeginFill(block, out var buffer);
        Assert.True(slot >= 0);
        for (int i = 0; i < buffer.Length; i++)
        {
            buffer[i] = (byte)((block * 16) + i);
        }

        cache.CompleteFill(slot, block);
    }
}
