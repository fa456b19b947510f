using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;

namespace Lifeboat.Repository.DiskImages;

/// <summary>
/// Translates guest offsets of a qcow2 image into extents through its L1 table and cached L2 tables, checking
/// every host offset it hands out against the image file.
/// </summary>
internal sealed class Qcow2ClusterMap
{
    private const ulong L1OffsetMask = 0x00FF_FFFF_FFFF_FE00; // bits 9-55

    private readonly DiskFile _file;
    private readonly ulong[] _l1Table;
    private readonly Qcow2L2TableCache _cache;
    private readonly int _clusterBits;
    private readonly long _clusterSize;
    private readonly int _l2Entries;
    private readonly long _bytesPerL2Table;
    private readonly bool _extendedL2;
    private readonly bool _zeroFlagValid;
    private readonly int _subclusterBits;

    private Qcow2ClusterMap(DiskFile file, Qcow2Header header, ulong[] l1Table, int cacheTables)
    {
        _file = file;
        _l1Table = l1Table;
        _cache = new Qcow2L2TableCache(cacheTables);
        _clusterBits = header.ClusterBits;
        _clusterSize = header.ClusterSize;
        _l2Entries = header.L2Entries;
        _bytesPerL2Table = _clusterSize * _l2Entries;
        _extendedL2 = header.HasExtendedL2Entries;
        _zeroFlagValid = header.Version >= 3 && !_extendedL2;
        _subclusterBits = _clusterBits - BitOperations.Log2(Qcow2L2Entry.SubclustersPerCluster);
    }

    public int ClusterBits => _clusterBits;

    /// <summary>Loads the part of the L1 table that covers the virtual disk (bounds checked by the header).</summary>
    public static Qcow2ClusterMap Load(DiskFile file, Qcow2Header header, long cacheBytes)
    {
        var l1Table = new ulong[header.L1EntriesNeeded];
        file.ReadExactly(header.L1TableOffset, MemoryMarshal.AsBytes(l1Table.AsSpan()));
        FromBigEndian(l1Table);
        int cacheTables = (int)Math.Clamp(cacheBytes / header.ClusterSize, 4, 1 << 16);
        return new Qcow2ClusterMap(file, header, l1Table, cacheTables);
    }

    /// <summary>
    /// The extent that starts at <paramref name="guestOffset"/>, at most <paramref name="maxLength"/> bytes long.
    /// Neighbouring clusters with the same kind (and, for data, adjacent host clusters) join one extent so that
    /// a sequential read becomes a few large reads.
    /// </summary>
    public Qcow2Extent Map(long guestOffset, long maxLength)
    {
        long l1Index = guestOffset / _bytesPerL2Table;
        long limit = Math.Min(guestOffset + maxLength, (l1Index + 1) * _bytesPerL2Table);
        var table = GetL2Table(l1Index);
        if (table is null)
            return new Qcow2Extent(Qcow2ExtentKind.Unallocated, limit - guestOffset);

        var (kind, hostOffset, length) = Classify(table, guestOffset);
        if (kind == Qcow2ExtentKind.Compressed)
        {
            var (compressedOffset, compressedLength) = Entry(table, guestOffset).GetCompressedLocation(_clusterBits);
            return new Qcow2Extent(kind, Math.Min(length, limit - guestOffset), compressedOffset, compressedLength);
        }

        long end = guestOffset + length;
        while (end < limit)
        {
            var (nextKind, nextHost, nextLength) = Classify(table, end);
            if (nextKind != kind || (kind == Qcow2ExtentKind.Data && nextHost != hostOffset + (end - guestOffset)))
                break;
            end += nextLength;
        }

        return new Qcow2Extent(kind, Math.Min(end, limit) - guestOffset, hostOffset);
    }

    /// <summary>Kind, host offset of the byte and how many bytes up to the end of its cluster (or subcluster run) share it.</summary>
    private (Qcow2ExtentKind Kind, long HostOffset, long Length) Classify(ulong[] table, long guestOffset)
    {
        long inCluster = guestOffset & (_clusterSize - 1);
        long toClusterEnd = _clusterSize - inCluster;
        var entry = Entry(table, guestOffset);
        if (entry.IsCompressed)
            return (Qcow2ExtentKind.Compressed, 0, toClusterEnd);

        long host = entry.HostOffset;
        if (!_extendedL2)
        {
            if (_zeroFlagValid && entry.HasZeroFlag)
                return (Qcow2ExtentKind.Zero, 0, toClusterEnd);
            if (host == 0)
                return (Qcow2ExtentKind.Unallocated, 0, toClusterEnd);
            CheckDataCluster(host, guestOffset);
            return (Qcow2ExtentKind.Data, host + inCluster, toClusterEnd);
        }

        uint allocated = entry.AllocatedSubclusters;
        uint zero = entry.ZeroSubclusters;
        if ((allocated & zero) != 0)
            throw DiskSourceException.Corrupt(_file.Path, $"the subclusters of guest offset {guestOffset} are marked both allocated and zero");
        if (allocated != 0)
        {
            if (host == 0)
                throw DiskSourceException.Corrupt(_file.Path, $"allocated subclusters at guest offset {guestOffset} have no host cluster");
            CheckDataCluster(host, guestOffset);
        }

        int subcluster = (int)(inCluster >> _subclusterBits);
        var kind = SubclusterKind(allocated, zero, subcluster);
        int last = subcluster;
        while (last + 1 < Qcow2L2Entry.SubclustersPerCluster && SubclusterKind(allocated, zero, last + 1) == kind)
            last++;
        long runEnd = (long)(last + 1) << _subclusterBits;
        return (kind, kind == Qcow2ExtentKind.Data ? host + inCluster : 0, runEnd - inCluster);
    }

    private static Qcow2ExtentKind SubclusterKind(uint allocated, uint zero, int subcluster) =>
        (allocated >> subcluster & 1) != 0 ? Qcow2ExtentKind.Data
        : (zero >> subcluster & 1) != 0 ? Qcow2ExtentKind.Zero
        : Qcow2ExtentKind.Unallocated;

    private Qcow2L2Entry Entry(ulong[] table, long guestOffset)
    {
        int index = (int)((guestOffset >> _clusterBits) % _l2Entries);
        return _extendedL2 ? new Qcow2L2Entry(table[2 * index], table[(2 * index) + 1]) : new Qcow2L2Entry(table[index], 0);
    }

    private void CheckDataCluster(long hostOffset, long guestOffset)
    {
        if ((hostOffset & (_clusterSize - 1)) != 0)
            throw DiskSourceException.Corrupt(_file.Path, $"the cluster at guest offset {guestOffset} points to the unaligned host offset {hostOffset}");
    }

    private ulong[]? GetL2Table(long l1Index)
    {
        long hostOffset = (long)(_l1Table[l1Index] & L1OffsetMask);
        if (hostOffset == 0)
            return null;
        if (_cache.TryGet(hostOffset, out var cached))
            return cached;

        if ((hostOffset & (_clusterSize - 1)) != 0)
            throw DiskSourceException.Corrupt(_file.Path, $"L1 entry {l1Index} points to the unaligned L2 table offset {hostOffset}");
        if (hostOffset > _file.Length - _clusterSize)
            throw DiskSourceException.Corrupt(_file.Path, $"L1 entry {l1Index} points to an L2 table beyond the end of the file");

        var table = new ulong[_clusterSize / sizeof(ulong)];
        _file.ReadExactly(hostOffset, MemoryMarshal.AsBytes(table.AsSpan()));
        FromBigEndian(table);
        _cache.Add(hostOffset, table);
        return table;
    }

    private static void FromBigEndian(Span<ulong> values)
    {
        if (BitConverter.IsLittleEndian)
            BinaryPrimitives.ReverseEndianness(values, values);
    }
}
