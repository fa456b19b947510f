namespace Lifeboat.Disks.Tests;

internal static class DiskAssert
{
    /// <summary>Reads the whole disk in 1 MiB pieces and compares it with <paramref name="expected"/>.</summary>
    public static async Task ContentEqualAsync(ReadOnlyMemory<byte> expected, PublishedDisk disk)
    {
        Assert.Equal(expected.Length, disk.Length);
        var buffer = new byte[1024 * 1024];
        for (long offset = 0; offset < disk.Length; offset += buffer.Length)
        {
            int n = await disk.ReadAsync(offset, buffer);
            Assert.Equal((int)Math.Min(buffer.Length, disk.Length - offset), n);
            AssertSame(expected.Span.Slice((int)offset, n), buffer.AsSpan(0, n), offset);
        }
    }

    /// <summary>Equal spans, or a failure naming the first differing disk offset.</summary>
    public static void AssertSame(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual, long offset)
    {
        Assert.Equal(expected.Length, actual.Length);
        int mismatch = expected.CommonPrefixLength(actual);
        if (mismatch != expected.Length)
            Assert.Fail($"Disk content differs at offset {offset + mismatch}: expected {expected[mismatch]}, got {actual[mismatch]}.");
    }

    public static async Task<byte[]> ReadAllAsync(PublishedDisk disk)
    {
        var content = new byte[disk.Length];
        int n = await disk.ReadAsync(0, content);
        Assert.Equal(content.Length, n);
        return content;
    }
}
