namespace Lifeboat.Repository.DiskImages;

/// <summary>One L2 table entry: a cluster descriptor plus, with extended L2 entries, its subcluster bitmap.</summary>
internal readonly struct Qcow2L2Entry
{
    public const int SubclustersPerCluster = 32;

    private const ulong CompressedFlag = 1UL << 62;
    private const ulong ZeroFlag = 1;
    private const ulong StandardOffsetMask = 0x00FF_FFFF_FFFF_FE00; // bits 9-55
    private const int SectorSize = 512;

    private readonly ulong _descriptor;
    private readonly ulong _bitmap;

    public Qcow2L2Entry(ulong descriptor, ulong bitmap)
    {
        _descriptor = descriptor;
        _bitmap = bitmap;
    }

    public bool IsCompressed => (_descriptor & CompressedFlag) != 0;

    /// <summary>Host offset of a standard cluster; 0 means unallocated.</summary>
    public long HostOffset => (long)(_descriptor & StandardOffsetMask);

    /// <summary>Bit 0 of a standard descriptor: reads as zeros (version 3 without extended L2 entries only).</summary>
    public bool HasZeroFlag => (_descriptor & ZeroFlag) != 0;

    /// <summary>Subclusters whose data is in the host cluster (extended L2 entries).</summary>
    public uint AllocatedSubclusters => (uint)_bitmap;

    /// <summary>Subclusters that read as zeros (extended L2 entries).</summary>
    public uint ZeroSubclusters => (uint)(_bitmap >> 32);

    /// <summary>Host byte offset and stored length of a compressed cluster's data.</summary>
    public (long Offset, int Length) GetCompressedLocation(int clusterBits)
    {
        int sizeShift = 62 - (clusterBits - 8);
        ulong offset = _descriptor & ((1UL << sizeShift) - 1);
        ulong additionalSectors = (_descriptor >> sizeShift) & ((1UL << (clusterBits - 8)) - 1);
        long length = ((long)(additionalSectors + 1) * SectorSize) - (long)(offset % SectorSize);
        return ((long)offset, (int)length);
    }
}
