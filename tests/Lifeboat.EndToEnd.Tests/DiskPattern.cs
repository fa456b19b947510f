namespace Lifeboat.EndToEnd.Tests;

/// <summary>A range of a disk filled with one byte value, as qemu-io's <c>write -P</c> writes it.</summary>
internal sealed record DiskPattern(int Byte, long Offset, int Length)
{
    /// <summary>
    /// The <paramref name="index"/>th of a series of ranges that do not overlap, each starting 512 bytes past a
    /// 68 KiB step so that writes straddle the server's cluster boundaries and need partial-cluster fills.
    /// </summary>
    public static DiskPattern InSeries(int index) =>
        new(1 + (index % 255), (index * 68L * 1024) + 512, 64 * 1024);
}
