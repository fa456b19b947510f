using Lifeboat.Repository.DiskImages;

namespace Lifeboat.Repository.Tests.DiskImages;

internal static class DiskAssert
{
    /// <summary>Reads the whole disk in pieces of <paramref name="chunk"/> bytes (odd sizes cross every boundary).</summary>
    public static byte[] ReadAll(IDiskSource source, int chunk = 100_003)
    {
        var result = new byte[source.Length];
        long offset = 0;
        while (offset < source.Length)
        {
            var piece = result.AsSpan((int)offset, (int)Math.Min(chunk, source.Length - offset));
            int read = source.Read(offset, piece);
            Assert.Equal(piece.Length, read);
            offset += read;
        }

        Assert.Equal(0, source.Read(source.Length, new byte[16]));
        return result;
    }

    public static void SameBytes(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        int mismatch = expected.CommonPrefixLength(actual);
        if (mismatch != expected.Length)
            Assert.Fail($"The bytes differ first at offset {mismatch}: expected {expected[mismatch]:x2}, read {actual[mismatch]:x2}.");
    }

    /// <summary>
    /// The ranges are sorted, inside the disk, neither overlapping nor touching, and every non-zero byte of
    /// <paramref name="content"/> lies in one of them. Returns the total length of the ranges.
    /// </summary>
    public static long RangesCoverData(IDiskSource source, ReadOnlySpan<byte> content)
    {
        long previousEnd = -1;
        long total = 0;
        foreach (var (offset, length) in source.GetAllocatedRanges())
        {
            Assert.True(length > 0, $"Range at {offset} is empty.");
            Assert.True(offset > previousEnd, $"Range at {offset} overlaps or touches the one before, which ends at {previousEnd}.");
            Assert.True(offset + length <= source.Length, $"Range ({offset}, {length}) runs past the disk's end {source.Length}.");
            AssertZero(content, Math.Max(previousEnd, 0), offset);
            previousEnd = offset + length;
            total += length;
        }

        AssertZero(content, Math.Max(previousEnd, 0), content.Length);
        return total;
    }

    /// <summary>True when some range covers any byte of [start, end).</summary>
    public static bool AnyRangeTouches(IDiskSource source, long start, long end) =>
        source.GetAllocatedRanges().Any(range => range.Offset < end && range.Offset + range.Length > start);

    private static void AssertZero(ReadOnlySpan<byte> content, long start, long end)
    {
        int nonZero = content[(int)start..(int)end].IndexOfAnyExcept((byte)0);
        if (nonZero >= 0)
            Assert.Fail($"Byte {start + nonZero} holds data but no allocated range covers it.");
    }
}
