using Microsoft.Extensions.Logging;

namespace Lifeboat.Disks;

public sealed record PublishedDiskOptions
{
    public const int MinClusterSize = 4096;
    public const int MaxClusterSize = 1024 * 1024;

    public static PublishedDiskOptions Default { get; } = new();

    /// <summary>
    /// Unit of the write cache's map, power of two from 4 KiB to 1 MiB. Used when a cache is created; a reopened
    /// cache keeps the size it was created with.
    /// </summary>
    public int ClusterSize { get; init; } = 64 * 1024;

    /// <summary>
    /// Copy each cluster of the base into a local sparse file the first time it is read, and serve later reads of it
    /// from there. On by default: a restore point's reads cost a decompression each (4-24k random 4 KiB reads/s once
    /// the repository's block cache is outgrown), a hydrated cluster costs a page-cache read (140-540k/s).
    /// </summary>
    public bool Hydration { get; init; } = true;

    /// <summary>
    /// Bytes of decoded clusters waiting to be written to the hydration file, at most. Reads hand their copies to a
    /// writer and do not wait for it, unless it is this far behind: then a read stores its copy itself.
    /// </summary>
    public long HydrationQueueBytes { get; init; } = 8L * 1024 * 1024;

    /// <summary>
    /// A reader that has read this many bytes in sequence is streaming (a live mirror, a large copy): its further
    /// reads are served without keeping local copies, which it would never read again. 0 keeps a copy of every read.
    /// </summary>
    public long StreamingReadBytes { get; init; } = 8L * 1024 * 1024;

    /// <summary>Upper bound of the local copies kept by hydration; when reached, reads go to the base again.</summary>
    public long MaxHydrationBytes { get; init; } = 4L * 1024 * 1024 * 1024;

    /// <summary>Hydration stops when the cache folder's file system has less free space than this.</summary>
    public long HydrationFreeSpaceReserve { get; init; } = 2L * 1024 * 1024 * 1024;

    /// <summary>
    /// With hydration on, a read that continues the previous one starts copying this many bytes ahead of it in the
    /// background; 0 (the default) turns read-ahead off. Measured: it doubles sequential reads from a base with 1 ms
    /// of latency per read (a remote data mover: use e.g. 4 MiB there), but costs 10-30% against a local repository,
    /// whose decoding already keeps the two cores busy.
    /// </summary>
    public int ReadAheadBytes { get; init; }

    /// <summary>
    /// How far a boot prefetch may run ahead of the guest's reads, in the profile's order, until the boot is over.
    /// 16 MiB holds the test guest's whole boot from its first disk (13 MiB) and keeps a disk read at boot at its
    /// prefetch's pace (bench/recovery); a profile's blocks past the window wait for the guest to come nearer.
    /// </summary>
    public long PrefetchWindowBytes { get; init; } = 16L * 1024 * 1024;

    /// <summary>By default the published disk disposes its base when it is disposed; true leaves that to the caller.</summary>
    public bool LeaveBaseOpen { get; init; }

    /// <summary>How messages and logs name the disk, e.g. "vm1/disk0".</summary>
    public string DiskName { get; init; } = "disk";

    public ILogger? Logger { get; init; }

    internal static bool IsValidClusterSize(int size) =>
        size is >= MinClusterSize and <= MaxClusterSize && (size & (size - 1)) == 0;
}
