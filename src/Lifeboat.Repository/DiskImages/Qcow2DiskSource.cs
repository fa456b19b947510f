using System.Buffers;

namespace Lifeboat.Repository.DiskImages;

/// <summary>
/// A qcow2 image (version 2 or 3): standard, zero, compressed (deflate or zstd) and unallocated clusters,
/// extended L2 entries, and a backing chain whose files are read under this image's unallocated clusters.
/// </summary>
public sealed class Qcow2DiskSource : IFileBackedDiskSource
{
    /// <summary>Deeper chains are refused: it also stops an image that names itself as its own backing file.</summary>
    public const int MaximumBackingChainDepth = 64;

    private const long L2CacheBytes = 16 * 1024 * 1024;

    // QEMU resolves these as network protocols, not as file names.
    private static readonly string[] ProtocolPrefixes = ["json:", "nbd:", "nbd+", "rbd:", "iscsi:", "gluster:", "ssh:", "nfs:", "http:", "https:", "ftp:", "ftps:"];

    private readonly DiskFile _file;
    private readonly Qcow2Header _header;
    private readonly Qcow2ClusterMap _map;
    private readonly Qcow2ClusterDecompressor _decompressor;
    private readonly IDiskSource? _backing;
    private int _disposed;

    private Qcow2DiskSource(DiskFile file, Qcow2Header header, Qcow2ClusterMap map, IDiskSource? backing)
    {
        _file = file;
        _header = header;
        _map = map;
        _backing = backing;
        _decompressor = new Qcow2ClusterDecompressor(header.CompressionType, file.Path);
    }

    public long Length => _header.Size;

    public string Format => "qcow2";

    public string Path => _file.Path;

    /// <summary>qcow2 version: 2 (compat=0.10) or 3 (compat=1.1).</summary>
    public int Version => _header.Version;

    public int ClusterSize => _header.ClusterSize;

    /// <summary>The image whose data shows through this one's unallocated clusters, if any.</summary>
    public IDiskSource? Backing => _backing;

    public static Qcow2DiskSource Open(string path)
    {
        var file = DiskFile.Open(path);
        try
        {
            return Open(file, chainDepth: 0);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Opens the image in <paramref name="file"/>, which the new source owns only if this returns.</summary>
    internal static Qcow2DiskSource Open(DiskFile file, int chainDepth)
    {
        var header = Qcow2Header.Read(file);
        var map = Qcow2ClusterMap.Load(file, header, L2CacheBytes);
        var backing = header.BackingFile is { } name ? OpenBacking(file.Path, name, header.BackingFormat, chainDepth + 1) : null;
        return new Qcow2DiskSource(file, header, map, backing);
    }

    public int Read(long offset, Span<byte> buffer)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (offset >= Length)
            return 0;

        int count = (int)Math.Min(buffer.Length, Length - offset);
        int done = 0;
        while (done < count)
        {
            long guestOffset = offset + done;
            var extent = _map.Map(guestOffset, count - done);
            var target = buffer.Slice(done, (int)extent.Length);
            switch (extent.Kind)
            {
                case Qcow2ExtentKind.Data:
                    _file.ReadExactly(extent.HostOffset, target);
                    break;
                case Qcow2ExtentKind.Zero:
                    target.Clear();
                    break;
                case Qcow2ExtentKind.Unallocated:
                    ReadBacking(guestOffset, target);
                    break;
                case Qcow2ExtentKind.Compressed:
                    ReadCompressed(extent, guestOffset, target);
                    break;
            }

            done += target.Length;
        }

        if (offset + count == Length)
            EnsureUnchanged();
        else
            _file.EnsureUnchangedIfDue();
        return count;
    }

    public IEnumerable<(long Offset, long Length)> GetAllocatedRanges() => AllocatedRanges.Merge(EnumerateAllocatedExtents());

    public void EnsureUnchanged()
    {
        _file.EnsureUnchanged();
        (_backing as IFileBackedDiskSource)?.EnsureUnchanged();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _decompressor.Dispose();
        _backing?.Dispose();
        _file.Dispose();
    }

    private IEnumerable<(long Offset, long Length)> EnumerateAllocatedExtents()
    {
        using var backingRanges = _backing is null ? null : new SortedRangeCursor(_backing.GetAllocatedRanges());
        long position = 0;
        while (position < Length)
        {
            var extent = _map.Map(position, Length - position);
            if (extent.Kind is Qcow2ExtentKind.Data or Qcow2ExtentKind.Compressed)
            {
                yield return (position, extent.Length);
            }
            else if (extent.Kind == Qcow2ExtentKind.Unallocated && backingRanges is not null)
            {
                foreach (var range in backingRanges.Intersect(position, extent.Length))
                    yield return range;
            }

            position += extent.Length;
        }

        EnsureUnchanged();
    }

    private void ReadBacking(long guestOffset, Span<byte> target)
    {
        // A backing file shorter than this image reads as zeros past its end.
        int read = _backing?.Read(guestOffset, target) ?? 0;
        target[read..].Clear();
    }

    private void ReadCompressed(Qcow2Extent extent, long guestOffset, Span<byte> target)
    {
        if (extent.HostOffset >= _file.Length)
            throw DiskSourceException.Corrupt(Path, $"the compressed cluster at guest offset {guestOffset} lies beyond the end of the file");

        int clusterSize = ClusterSize;
        int inCluster = (int)(guestOffset & (clusterSize - 1));
        int storedLength = (int)Math.Min(extent.CompressedLength, _file.Length - extent.HostOffset);
        byte[] stored = ArrayPool<byte>.Shared.Rent(storedLength);
        try
        {
            _file.ReadExactly(extent.HostOffset, stored.AsSpan(0, storedLength));
            if (inCluster == 0 && target.Length == clusterSize)
            {
                _decompressor.Decompress(stored, storedLength, target, extent.HostOffset);
                return;
            }

            byte[] cluster = ArrayPool<byte>.Shared.Rent(clusterSize);
            try
            {
                _decompressor.Decompress(stored, storedLength, cluster.AsSpan(0, clusterSize), extent.HostOffset);
                cluster.AsSpan(inCluster, target.Length).CopyTo(target);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(cluster);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(stored);
        }
    }

    private static IDiskSource OpenBacking(string imagePath, string name, string? format, int chainDepth)
    {
        if (chainDepth > MaximumBackingChainDepth)
        {
            throw new DiskSourceException(
                $"Disk image '{imagePath}' has a backing chain deeper than {MaximumBackingChainDepth} images, or one that loops; flatten it with `qemu-img convert` first.");
        }

        if (ProtocolPrefixes.Any(prefix => name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) || name.Contains("://", StringComparison.Ordinal))
            throw DiskSourceException.Unsupported(imagePath, $"a backing file that is not a local file ('{name}')");
        if (format is not (null or "raw" or "qcow2"))
            throw DiskSourceException.Unsupported(imagePath, $"a backing file in {format} format");

        string folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(imagePath)) ?? "/";
        string backingPath = System.IO.Path.IsPathRooted(name) ? name : System.IO.Path.Combine(folder, name);
        if (!File.Exists(backingPath))
        {
            throw new DiskSourceException(
                $"The backing file '{backingPath}' of disk image '{imagePath}' does not exist; put it back or rebase the image with `qemu-img rebase`.");
        }

        return DiskSource.Open(backingPath, format, chainDepth);
    }
}
