using Lifeboat.Repository.Backup;

namespace Lifeboat.Repository.Tests;

public class BlockRangesTests
{
    [Fact]
    public void Byte_ranges_become_covering_block_ranges_merged_when_adjacent_and_clamped_to_the_disk()
    {
        var ranges = new (long, long)[] { (0, 10), (100, 10), (5000, 3000), (8192, 1), (20000, 100000) };

        var blocks = BlockRanges.FromAllocated(ranges, diskLength: 30000, blockSize: 4096).ToList();

        Assert.Equal([(0L, 3L), (4L, 8L)], blocks);
    }

    [Fact]
    public void Unsorted_ranges_are_a_bug_not_a_hole()
    {
        var ranges = new (long, long)[] { (8192, 10), (0, 10) };

        Assert.Throws<InvalidOperationException>(() => BlockRanges.FromAllocated(ranges, 30000, 4096).ToList());
    }
}
