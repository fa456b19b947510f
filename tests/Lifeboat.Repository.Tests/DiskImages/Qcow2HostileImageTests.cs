using System.Buffers.Binary;
using Lifeboat.Repository.DiskImages;

namespace Lifeboat.Repository.Tests.DiskImages;

/// <summary>Damaged and hostile qcow2 images: each must end in a clear DiskSourceException, never a crash.</summary>
public sealed class Qcow2HostileImageTests : IDisposable
{
    private const ulong CompressedFlag = 1UL << 62;
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    public static TheoryData<string, int, int, ulong, string> HeaderDamage() => new()
    {
        { "version 4", 4, 4, 4, "qcow2 version 4" },
        { "version 1", 4, 4, 1, "version 1" },
        { "cluster_bits too small", 20, 4, 8, "cluster_bits is 8" },
        { "cluster_bits too large", 20, 4, 40, "clusters of 2^40 bytes" },
        { "absurd virtual size", 24, 8, 1UL << 62, "impossibly large" },
        { "virtual size beyond the L1 table", 24, 8, 1UL << 50, "too few for a virtual size" },
        { "empty L1 table", 36, 4, 0, "too few for a virtual size" },
        { "L1 table beyond the file", 40, 8, 1UL << 40, "L1 table lies beyond the end" },
        { "unaligned L1 table", 40, 8, 65536 + 8, "not aligned" },
        { "LUKS encryption", 32, 4, 2, "encrypted (LUKS)" },
        { "unknown incompatible feature", 72, 8, 1UL << 20, "bit 20" },
        { "external data file", 72, 8, 1UL << 2, "external data file" },
        { "compression type bit without the field", 72, 8, 1UL << 3, "compression type feature bit" },
        { "header length too small", 100, 4, 12, "header_length is 12" },
        { "header length past the cluster", 100, 4, 1 << 20, "header_length" },
        { "backing file name too long", 16, 4, 5000, "backing file name is 5000 bytes" },
        { "backing file name beyond the file", 8, 8, 1UL << 40, "backing file name lies beyond" },
    };

    [Theory]
    [MemberData(nameof(HeaderDamage))]
    public void A_damaged_header_is_refused_with_a_clear_message(string damage, int offset, int width, ulong value, string expected)
    {
        string image = MakeImage("damaged.qcow2", compressed: false);
        if (damage.StartsWith("backing", StringComparison.Ordinal))
            Patch(image, 8, 8, 512); // give the image a backing file name to damage
        Patch(image, offset, width, value);

        var error = Assert.Throws<DiskSourceException>(() => OpenAndReadEverything(image));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains(image, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_too_short_for_a_header_is_refused()
    {
        string image = MakeImage("short.qcow2", compressed: false);
        using (var file = new FileStream(image, FileMode.Open))
            file.SetLength(40);

        var error = Assert.Throws<DiskSourceException>(() => OpenAndReadEverything(image));

        Assert.Contains("too short", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_without_the_magic_is_not_read_as_qcow2()
    {
        string image = MakeImage("nomagic.qcow2", compressed: false);
        Patch(image, 0, 4, 0x12345678);

        var error = Assert.Throws<DiskSourceException>(() => Qcow2DiskSource.Open(image));

        Assert.Contains("magic", error.Message, StringComparison.Ordinal);
        using var asRaw = DiskSource.Open(image);
        Assert.Equal("raw", asRaw.Format);
    }

    [Fact]
    public void A_header_extension_longer_than_the_cluster_is_refused()
    {
        string image = MakeImage("extension.qcow2", compressed: false);
        int headerLength = (int)Read(image, 100, 4);
        Patch(image, headerLength, 4, 0x12345678);
        Patch(image, headerLength + 4, 4, 0xFFFFFFF0);

        var error = Assert.Throws<DiskSourceException>(() => OpenAndReadEverything(image));

        Assert.Contains("runs past the first cluster", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_feature_is_named_from_the_feature_name_table()
    {
        string image = MakeImage("feature.qcow2", compressed: false);
        int headerLength = (int)Read(image, 100, 4);
        Patch(image, 72, 8, 1UL << 9);
        // Replace the first header extension by a one-entry feature name table for incompatible bit 9.
        var entry = new byte[8 + 48];
        BinaryPrimitives.WriteUInt32BigEndian(entry, 0x6803F857);
        BinaryPrimitives.WriteUInt32BigEndian(entry.AsSpan(4), 48);
        entry[8] = 0;
        entry[9] = 9;
        "time travel"u8.CopyTo(entry.AsSpan(10));
        using (var file = new FileStream(image, FileMode.Open))
        {
            file.Position = headerLength;
            file.Write(entry);
            file.Write(new byte[8]);
        }

        var error = Assert.Throws<DiskSourceException>(() => OpenAndReadEverything(image));

        Assert.Contains("'time travel'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_l1_entry_pointing_past_the_end_fails_the_read()
    {
        string image = MakeImage("l1.qcow2", compressed: false);
        Patch(image, (long)Read(image, 40, 8), 8, 1UL << 40);

        var error = Assert.Throws<DiskSourceException>(() => OpenAndReadEverything(image));

        Assert.Contains("L2 table beyond the end", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unaligned_l2_table_fails_the_read()
    {
        string image = MakeImage("l2.qcow2", compressed: false);
        long l1Offset = (long)Read(image, 40, 8);
        Patch(image, l1Offset, 8, Read(image, l1Offset, 8) + 512);

        var error = Assert.Throws<DiskSourceException>(() => OpenAndReadEverything(image));

        Assert.Contains("unaligned L2 table offset", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unaligned_data_cluster_fails_the_read()
    {
        string image = MakeImage("data.qcow2", compressed: false);
        long l2Offset = FirstL2TableOffset(image);
        Patch(image, l2Offset, 8, Read(image, l2Offset, 8) + 512);

        var error = Assert.Throws<DiskSourceException>(() => OpenAndReadEverything(image));

        Assert.Contains("unaligned host offset", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_compressed_cluster_that_is_not_deflate_data_fails_the_read()
    {
        string image = MakeImage("garbage.qcow2", compressed: true);
        long l2Offset = FirstL2TableOffset(image);
        // Point the first cluster at 8 sectors of random data at the end of the file.
        long garbageOffset = new FileInfo(image).Length;
        using (var file = new FileStream(image, FileMode.Open))
        {
            var garbage = new byte[8 * 512];
            new Random(3).NextBytes(garbage);
            file.Position = garbageOffset;
            file.Write(garbage);
        }

        int clusterBits = (int)Read(image, 20, 4);
        Patch(image, l2Offset, 8, CompressedFlag | (7UL << (62 - (clusterBits - 8))) | (ulong)garbageOffset);

        var error = Assert.Throws<DiskSourceException>(() => OpenAndReadEverything(image));

        Assert.Contains("compressed cluster", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_compressed_cluster_past_the_end_fails_the_read()
    {
        string image = MakeImage("beyond.qcow2", compressed: true);
        Patch(image, FirstL2TableOffset(image), 8, CompressedFlag | (1UL << 40));

        var error = Assert.Throws<DiskSourceException>(() => OpenAndReadEverything(image));

        Assert.Contains("beyond the end of the file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Random_damage_never_escapes_as_anything_but_a_disk_source_exception()
    {
        string pristine = MakeImage("pristine.qcow2", compressed: true, clusterSize: "4k");
        byte[] original = File.ReadAllBytes(pristine);
        long l1Offset = (long)Read(pristine, 40, 8);
        string image = _folder.Combine("fuzzed.qcow2");
        int refused = 0;
        for (int seed = 0; seed < 200; seed++)
        {
            var random = new Random(seed);
            byte[] damaged = (byte[])original.Clone();
            // Aim most flips at the structures (header, L1 table, first L2 tables), some anywhere.
            for (int flips = random.Next(1, 8); flips > 0; flips--)
            {
                int position = random.Next(3) switch
                {
                    0 => random.Next(0, 512),
                    1 => (int)l1Offset + random.Next(0, 64),
                    _ => random.Next(damaged.Length),
                };
                damaged[position] ^= (byte)(1 << random.Next(8));
            }

            File.WriteAllBytes(image, damaged.AsSpan(0, random.Next(4) == 0 ? random.Next(damaged.Length) : damaged.Length).ToArray());
            long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                OpenAndReadEverything(image);
            }
            catch (DiskSourceException)
            {
                refused++;
            }

            long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            Assert.True(allocated < 64 * SampleDisk.MiB, $"Seed {seed}: reading a damaged image allocated {allocated} bytes.");
        }

        Assert.True(refused > 0, "No damaged image was refused: the damage did not reach the structures.");
    }

    private static void OpenAndReadEverything(string path)
    {
        using var source = Qcow2DiskSource.Open(path);
        var buffer = new byte[SampleDisk.MiB];
        for (long offset = 0; offset < Math.Min(source.Length, 64L * SampleDisk.MiB); offset += buffer.Length)
            source.Read(offset, buffer);
        source.Read(Math.Max(0, source.Length - buffer.Length), buffer);
        foreach (var (offset, _) in source.GetAllocatedRanges())
            source.Read(offset, buffer.AsSpan(0, 4096));
    }

    private string MakeImage(string name, bool compressed, string clusterSize = "64k")
    {
        string raw = _folder.Combine(name + ".raw");
        SampleDisk.Create(raw);
        string image = _folder.Combine(name);
        var arguments = new List<string> { "convert", "-O", "qcow2", "-o", $"cluster_size={clusterSize}" };
        if (compressed)
            arguments.Add("-c");
        QemuTools.Img([.. arguments, raw, image]);
        return image;
    }

    private static long FirstL2TableOffset(string image) =>
        (long)(Read(image, (long)Read(image, 40, 8), 8) & 0x00FF_FFFF_FFFF_FE00);

    private static ulong Read(string path, long offset, int width)
    {
        using var file = File.OpenHandle(path);
        var bytes = new byte[8];
        RandomAccess.Read(file, bytes.AsSpan(0, width), offset);
        return width == 8 ? BinaryPrimitives.ReadUInt64BigEndian(bytes) : BinaryPrimitives.ReadUInt32BigEndian(bytes);
    }

    private static void Patch(string path, long offset, int width, ulong value)
    {
        var bytes = new byte[width];
        if (width == 8)
            BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        else
            BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)value);
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite);
        RandomAccess.Write(file, bytes, offset);
    }
}
