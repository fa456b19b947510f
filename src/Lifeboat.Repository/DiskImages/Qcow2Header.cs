using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Lifeboat.Repository.DiskImages;

/// <summary>
/// The qcow2 file header with its extensions (QEMU docs/interop/qcow2.rst), validated so that every offset
/// and size the reader later uses is within bounds.
/// </summary>
internal sealed class Qcow2Header
{
    public const uint Magic = 0x514649FB; // "QFI\xfb"
    public const int Version2Length = 72;
    public const int Version3MinimumLength = 104;
    public const int MinimumClusterBits = 9;
    public const int MaximumClusterBits = 21; // 2 MiB, QEMU's own limit
    public const int MaximumBackingFileNameLength = 1023;
    public const long MaximumL1Entries = 32 * 1024 * 1024 / sizeof(ulong); // QEMU's 32 MiB L1 limit

    // A feature name table entry: type byte, bit number byte, then the name in bytes 2-47.
    private const int FeatureNameEntryLength = 48;
    private const int FeatureNameLength = 46;
    private const int MaximumExtensionStringLength = 1023;

    private Qcow2Header()
    {
    }

    public int Version { get; private init; }
    public long BackingFileOffset { get; private init; }
    public int BackingFileSize { get; private init; }
    public int ClusterBits { get; private init; }
    public long Size { get; private init; }
    public long L1Size { get; private init; }
    public long L1TableOffset { get; private init; }
    public Qcow2IncompatibleFeatures IncompatibleFeatures { get; private init; }
    public int HeaderLength { get; private init; }
    public Qcow2CompressionType CompressionType { get; private init; }

    /// <summary>The backing file name as stored (relative names are relative to the image's folder).</summary>
    public string? BackingFile { get; private set; }

    /// <summary>The backing file's format from the header extension, or null to sniff it.</summary>
    public string? BackingFormat { get; private set; }

    public int ClusterSize => 1 << ClusterBits;

    public bool HasExtendedL2Entries => (IncompatibleFeatures & Qcow2IncompatibleFeatures.ExtendedL2Entries) != 0;

    /// <summary>Bytes per L2 entry: 8, or 16 with extended L2 entries (descriptor + subcluster bitmap).</summary>
    public int L2EntrySize => HasExtendedL2Entries ? 2 * sizeof(ulong) : sizeof(ulong);

    public int L2Entries => ClusterSize / L2EntrySize;

    /// <summary>L1 entries needed to map the whole virtual disk; only these are read.</summary>
    public long L1EntriesNeeded => L1EntriesFor(Size, ClusterBits, HasExtendedL2Entries);

    /// <summary>Reads and validates the header, its extensions and the backing file name.</summary>
    public static Qcow2Header Read(DiskFile file)
    {
        string path = file.Path;
        if (file.Length < Version2Length)
            throw DiskSourceException.Corrupt(path, $"the file is {file.Length} bytes long, too short for a qcow2 header");

        Span<byte> fixedPart = stackalloc byte[1 << MinimumClusterBits];
        file.ReadExactly(0, fixedPart);
        var header = ParseFixedPart(fixedPart, path, file.Length);

        int areaLength = (int)Math.Min(header.ClusterSize, file.Length);
        byte[] area = ArrayPool<byte>.Shared.Rent(areaLength);
        try
        {
            file.ReadExactly(0, area.AsSpan(0, areaLength));
            header.ParseExtensions(area.AsSpan(header.HeaderLength, areaLength - header.HeaderLength), path);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(area);
        }

        if (header.BackingFileOffset != 0)
        {
            Span<byte> name = stackalloc byte[header.BackingFileSize];
            file.ReadExactly(header.BackingFileOffset, name);
            header.BackingFile = DecodeName(name, path, "backing file name");
            if (header.BackingFile.Length == 0)
                header.BackingFile = null;
        }

        return header;
    }

    private static Qcow2Header ParseFixedPart(ReadOnlySpan<byte> data, string path, long fileLength)
    {
        if (BinaryPrimitives.ReadUInt32BigEndian(data) != Magic)
            throw DiskSourceException.Corrupt(path, "it does not start with the qcow2 magic QFI\\xfb");

        uint version = BinaryPrimitives.ReadUInt32BigEndian(data[4..]);
        if (version == 1)
            throw DiskSourceException.Unsupported(path, "the original qcow format (version 1)");
        if (version is not (2 or 3))
            throw DiskSourceException.Unsupported(path, $"qcow2 version {version}");

        ulong backingFileOffset = BinaryPrimitives.ReadUInt64BigEndian(data[8..]);
        uint backingFileSize = BinaryPrimitives.ReadUInt32BigEndian(data[16..]);
        uint clusterBits = BinaryPrimitives.ReadUInt32BigEndian(data[20..]);
        ulong size = BinaryPrimitives.ReadUInt64BigEndian(data[24..]);
        uint cryptMethod = BinaryPrimitives.ReadUInt32BigEndian(data[32..]);
        uint l1Size = BinaryPrimitives.ReadUInt32BigEndian(data[36..]);
        ulong l1TableOffset = BinaryPrimitives.ReadUInt64BigEndian(data[40..]);

        if (clusterBits < MinimumClusterBits)
            throw DiskSourceException.Corrupt(path, $"cluster_bits is {clusterBits}, below the minimum of {MinimumClusterBits}");
        if (clusterBits > MaximumClusterBits)
            throw DiskSourceException.Unsupported(path, $"clusters of 2^{clusterBits} bytes (the largest readable is 2 MiB)");
        if (cryptMethod != 0)
        {
            string method = cryptMethod switch { 1 => "AES", 2 => "LUKS", _ => $"method {cryptMethod}" };
            throw new DiskSourceException(
                $"Disk image '{path}' is encrypted ({method}) and Lifeboat cannot read encrypted qcow2 images; decrypt it with `qemu-img convert` first.");
        }

        var features = Qcow2IncompatibleFeatures.None;
        int headerLength = Version2Length;
        var compressionType = Qcow2CompressionType.Deflate;
        if (version >= 3)
        {
            features = (Qcow2IncompatibleFeatures)BinaryPrimitives.ReadUInt64BigEndian(data[72..]);
            uint length = BinaryPrimitives.ReadUInt32BigEndian(data[100..]);
            if (length < Version3MinimumLength || length % 8 != 0 || length > (1u << (int)clusterBits) || length > fileLength)
                throw DiskSourceException.Corrupt(path, $"header_length is {length}");
            headerLength = (int)length;

            if (headerLength > Version3MinimumLength)
            {
                // The fixed part read is at least 512 bytes, and this field sits at byte 104.
                byte type = data[Version3MinimumLength];
                bool flagged = (features & Qcow2IncompatibleFeatures.CompressionType) != 0;
                if (flagged != (type != 0))
                    throw DiskSourceException.Corrupt(path, $"compression_type is {type} but the compression type feature bit is {(flagged ? "set" : "clear")}");
                if (type > (byte)Qcow2CompressionType.Zstd)
                    throw DiskSourceException.Unsupported(path, $"compression type {type}");
                compressionType = (Qcow2CompressionType)type;
            }
            else if ((features & Qcow2IncompatibleFeatures.CompressionType) != 0)
            {
                throw DiskSourceException.Corrupt(path, "the compression type feature bit is set but the header has no compression_type field");
            }
        }

        bool extendedL2 = (features & Qcow2IncompatibleFeatures.ExtendedL2Entries) != 0;
        if (extendedL2 && clusterBits < 14)
            throw DiskSourceException.Corrupt(path, "extended L2 entries need clusters of at least 16 KiB");

        if (backingFileOffset != 0)
        {
            if (backingFileSize > MaximumBackingFileNameLength)
                throw DiskSourceException.Corrupt(path, $"the backing file name is {backingFileSize} bytes long (at most {MaximumBackingFileNameLength})");
            if (backingFileOffset > (ulong)fileLength || backingFileSize > (ulong)fileLength - backingFileOffset)
                throw DiskSourceException.Corrupt(path, "the backing file name lies beyond the end of the file");
        }

        // Keeps the L1 arithmetic far from overflow; QEMU's own limits are much lower.
        if (size > long.MaxValue / 4)
            throw DiskSourceException.Corrupt(path, $"the virtual size {size} is impossibly large");

        long needed = L1EntriesFor((long)size, (int)clusterBits, extendedL2);
        if (needed > MaximumL1Entries)
            throw DiskSourceException.Unsupported(path, $"a virtual size of {size} bytes with {1 << (int)clusterBits}-byte clusters (its L1 table would exceed 32 MiB)");
        if (l1Size < needed)
            throw DiskSourceException.Corrupt(path, $"the L1 table has {l1Size} entries, too few for a virtual size of {size} bytes");
        if (needed > 0)
        {
            if (l1TableOffset % (1UL << (int)clusterBits) != 0)
                throw DiskSourceException.Corrupt(path, $"the L1 table offset {l1TableOffset} is not aligned to a cluster");
            if (l1TableOffset > (ulong)fileLength || (ulong)(needed * sizeof(ulong)) > (ulong)fileLength - l1TableOffset)
                throw DiskSourceException.Corrupt(path, "the L1 table lies beyond the end of the file");
        }

        return new Qcow2Header
        {
            Version = (int)version,
            BackingFileOffset = (long)backingFileOffset,
            BackingFileSize = backingFileOffset == 0 ? 0 : (int)backingFileSize,
            ClusterBits = (int)clusterBits,
            Size = (long)size,
            L1Size = l1Size,
            L1TableOffset = (long)l1TableOffset,
            IncompatibleFeatures = features,
            HeaderLength = headerLength,
            CompressionType = compressionType,
        };
    }

    private static long L1EntriesFor(long size, int clusterBits, bool extendedL2)
    {
        long bytesPerL2Table = (1L << clusterBits) * ((1L << clusterBits) / (extendedL2 ? 16 : 8));
        return (size + bytesPerL2Table - 1) / bytesPerL2Table;
    }

    private void ParseExtensions(ReadOnlySpan<byte> area, string path)
    {
        var featureNames = new Dictionary<int, string>();
        while (area.Length >= 8)
        {
            var type = (Qcow2HeaderExtensionType)BinaryPrimitives.ReadUInt32BigEndian(area);
            uint length = BinaryPrimitives.ReadUInt32BigEndian(area[4..]);
            if (type == Qcow2HeaderExtensionType.End)
                break;
            if (length > area.Length - 8)
                throw DiskSourceException.Corrupt(path, $"header extension 0x{(uint)type:x8} runs past the first cluster");

            var body = area.Slice(8, (int)length);
            switch (type)
            {
                case Qcow2HeaderExtensionType.BackingFileFormat:
                    BackingFormat = DecodeName(body[..Math.Min(body.Length, MaximumExtensionStringLength)], path, "backing file format");
                    break;
                case Qcow2HeaderExtensionType.FeatureNameTable:
                    for (int i = 0; i + FeatureNameEntryLength <= body.Length; i += FeatureNameEntryLength)
                    {
                        var entry = body.Slice(i, FeatureNameEntryLength);
                        if (entry[0] == 0 && entry[1] < 64)
                            featureNames[entry[1]] = Encoding.ASCII.GetString(entry.Slice(2, FeatureNameLength)).TrimEnd('\0');
                    }

                    break;
            }

            int padded = (int)((length + 7) & ~7u);
            area = area[Math.Min(area.Length, 8 + padded)..];
        }

        var unknown = IncompatibleFeatures & ~Qcow2IncompatibleFeatures.Known;
        if (unknown != 0)
        {
            var names = Enumerable.Range(0, 64)
                .Where(bit => ((ulong)unknown & (1UL << bit)) != 0)
                .Select(bit => featureNames.TryGetValue(bit, out string? name) && name.Length > 0 ? $"'{name}'" : $"bit {bit}");
            throw DiskSourceException.Unsupported(path, $"the unknown incompatible qcow2 feature(s) {string.Join(", ", names)}");
        }

        if ((IncompatibleFeatures & Qcow2IncompatibleFeatures.ExternalDataFile) != 0)
            throw DiskSourceException.Unsupported(path, "an external data file");
    }

    private static string DecodeName(ReadOnlySpan<byte> bytes, string path, string what)
    {
        try
        {
            return new UTF8Encoding(false, true).GetString(bytes).TrimEnd('\0');
        }
        catch (DecoderFallbackException ex)
        {
            throw new DiskSourceException($"Disk image '{path}' is damaged (its {what} is not valid UTF-8); check it with `qemu-img check`.", ex);
        }
    }
}
