using Lifeboat.Repository.DiskImages;

namespace Lifeboat.Repository.Tests.DiskImages;

public sealed class Qcow2DiskSourceTests : IDisposable
{
    private const int MiB = SampleDisk.MiB;
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    public static TheoryData<string, string, bool> ConvertedImages()
    {
        var data = new TheoryData<string, string, bool>();
        foreach (string clusterSize in new[] { "4k", "64k", "2M" })
        {
            foreach (string compat in new[] { "1.1", "0.10" })
            {
                data.Add(clusterSize, compat, false);
                data.Add(clusterSize, compat, true);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ConvertedImages))]
    public void An_image_converted_by_qemu_img_reads_bit_exact(string clusterSize, string compat, bool compressed)
    {
        string raw = _folder.Combine("source.raw");
        byte[] content = SampleDisk.Create(raw);
        string image = _folder.Combine("disk.qcow2");
        var arguments = new List<string> { "convert", "-O", "qcow2", "-o", $"cluster_size={clusterSize},compat={compat}" };
        if (compressed)
            arguments.Add("-c");
        QemuTools.Img([.. arguments, raw, image]);

        using var source = Qcow2DiskSource.Open(image);

        Assert.Equal("qcow2", source.Format);
        Assert.Equal(compat == "1.1" ? 3 : 2, source.Version);
        Assert.Equal(SampleDisk.Size, source.Length);
        DiskAssert.SameBytes(content, DiskAssert.ReadAll(source));
        DiskAssert.SameBytes(QemuTools.ConvertToRaw(image, _folder.Path), DiskAssert.ReadAll(source, chunk: 3 * MiB));
        long allocated = DiskAssert.RangesCoverData(source, content);
        // 2 MiB clusters are too coarse for the sample's holes: every cluster of it holds some data.
        if (clusterSize != "2M")
            Assert.True(allocated < source.Length, "The hole and the zeros of the source were reported allocated.");
    }

    [Fact]
    public void Zstd_compressed_clusters_read_bit_exact()
    {
        string raw = _folder.Combine("source.raw");
        byte[] content = SampleDisk.Create(raw);
        string image = _folder.Combine("zstd.qcow2");
        QemuTools.Img("convert", "-c", "-O", "qcow2", "-o", "compression_type=zstd,cluster_size=64k", raw, image);

        using var source = DiskSource.Open(image);

        DiskAssert.SameBytes(content, DiskAssert.ReadAll(source));
        DiskAssert.SameBytes(content, DiskAssert.ReadAll(source, chunk: 65536));
        DiskAssert.RangesCoverData(source, content);
    }

    [Fact]
    public void A_backing_chain_reads_through_to_the_base_where_the_top_has_no_data()
    {
        string raw = _folder.Combine("source.raw");
        byte[] baseContent = SampleDisk.Create(raw);
        QemuTools.Img("convert", "-O", "qcow2", raw, _folder.Combine("base.qcow2"));
        string top = _folder.Combine("top.qcow2");
        QemuTools.Img("create", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", top);
        QemuTools.Io(
            "-c", "write -P 0xab 1M 64k",
            "-c", "write -z 128k 64k",
            "-c", "write -P 0x11 5000 3000",
            "-c", $"write -P 0x22 {SampleDisk.HoleStart + (128 * 1024)} 4k",
            top);

        using var source = DiskSource.Open(top);

        var qcow2 = Assert.IsType<Qcow2DiskSource>(source);
        Assert.IsType<Qcow2DiskSource>(qcow2.Backing);
        byte[] expected = QemuTools.ConvertToRaw(top, _folder.Path);
        Assert.Equal(0xab, expected[MiB]);
        Assert.Equal(0x11, expected[5000]);
        DiskAssert.SameBytes(expected, DiskAssert.ReadAll(source));
        DiskAssert.RangesCoverData(source, expected);
        // The zeroed cluster hides the base's data, and the base's hole stays a hole around the new write.
        Assert.False(DiskAssert.AnyRangeTouches(source, 128 * 1024, 192 * 1024));
        Assert.False(DiskAssert.AnyRangeTouches(source, SampleDisk.HoleStart + (256 * 1024), SampleDisk.HoleEnd - 65536));
        Assert.True(baseContent.AsSpan(128 * 1024, 65536).IndexOfAnyExcept((byte)0) >= 0);
        Assert.True(expected.AsSpan(128 * 1024, 65536).IndexOfAnyExcept((byte)0) < 0);
    }

    [Fact]
    public void A_three_level_chain_over_a_shorter_raw_base_reads_zeros_past_the_base()
    {
        string raw = _folder.Combine("base.raw");
        SampleDisk.Create(raw);
        string middle = _folder.Combine("middle.qcow2");
        QemuTools.Img("create", "-f", "qcow2", "-o", "compat=0.10", "-b", raw, "-F", "raw", middle, "7M");
        QemuTools.Io("-c", "write -P 0x33 3M 100k", middle);
        string top = _folder.Combine("top.qcow2");
        QemuTools.Img("create", "-f", "qcow2", "-o", "cluster_size=4k", "-b", "middle.qcow2", "-F", "qcow2", top, "9M");
        QemuTools.Io("-c", "write -P 0x44 6M 8k", "-c", "write -P 0x55 8M 4k", top);

        using var source = DiskSource.Open(top);

        Assert.Equal(9 * MiB, source.Length);
        byte[] expected = QemuTools.ConvertToRaw(top, _folder.Path);
        DiskAssert.SameBytes(expected, DiskAssert.ReadAll(source));
        DiskAssert.RangesCoverData(source, expected);
        Assert.False(DiskAssert.AnyRangeTouches(source, 7 * MiB, 8 * MiB));
    }

    [Fact]
    public void Extended_l2_entries_map_subclusters_over_a_backing_file()
    {
        string raw = _folder.Combine("source.raw");
        SampleDisk.Create(raw);
        QemuTools.Img("convert", "-O", "qcow2", raw, _folder.Combine("base.qcow2"));
        string top = _folder.Combine("top.qcow2");
        QemuTools.Img("create", "-f", "qcow2", "-o", "extended_l2=on,cluster_size=64k", "-b", "base.qcow2", "-F", "qcow2", top);
        QemuTools.Io(
            "-c", "write -P 0xcd 68k 6k",
            "-c", "write -z 200k 4k",
            "-c", "write -P 0xce 4M 130k",
            "-c", $"write -P 0xcf {SampleDisk.HoleStart + (64 * 1024)} 2k",
            top);

        using var source = DiskSource.Open(top);

        byte[] expected = QemuTools.ConvertToRaw(top, _folder.Path);
        DiskAssert.SameBytes(expected, DiskAssert.ReadAll(source));
        DiskAssert.SameBytes(expected, DiskAssert.ReadAll(source, chunk: 1000));
        DiskAssert.RangesCoverData(source, expected);
        Assert.False(DiskAssert.AnyRangeTouches(source, 200 * 1024, 204 * 1024));
        Assert.False(DiskAssert.AnyRangeTouches(source, SampleDisk.HoleStart + (68 * 1024), SampleDisk.HoleStart + (128 * 1024)));
    }

    [Fact]
    public void Zero_clusters_of_a_version_3_image_read_as_zeros()
    {
        string raw = _folder.Combine("source.raw");
        SampleDisk.Create(raw);
        string image = _folder.Combine("disk.qcow2");
        QemuTools.Img("convert", "-O", "qcow2", raw, image);
        QemuTools.Io("-c", "write -z 64k 128k", image);

        using var source = DiskSource.Open(image);

        byte[] expected = QemuTools.ConvertToRaw(image, _folder.Path);
        Assert.True(expected.AsSpan(65536, 131072).IndexOfAnyExcept((byte)0) < 0);
        DiskAssert.SameBytes(expected, DiskAssert.ReadAll(source));
        Assert.False(DiskAssert.AnyRangeTouches(source, 65536, 3 * 65536));
    }

    [Fact]
    public void Concurrent_readers_of_a_compressed_chain_all_read_the_right_bytes()
    {
        string raw = _folder.Combine("source.raw");
        SampleDisk.Create(raw);
        QemuTools.Img("convert", "-c", "-O", "qcow2", "-o", "cluster_size=16k", raw, _folder.Combine("base.qcow2"));
        string top = _folder.Combine("top.qcow2");
        QemuTools.Img("create", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", top);
        QemuTools.Io("-c", "write -P 0x77 1536k 1M", top);
        byte[] expected = QemuTools.ConvertToRaw(top, _folder.Path);
        using var source = DiskSource.Open(top);

        Parallel.For(0, 8, worker =>
        {
            var random = new Random(worker);
            var buffer = new byte[50_000];
            for (int i = 0; i < 150; i++)
            {
                long offset = random.NextInt64(source.Length);
                int read = source.Read(offset, buffer);
                DiskAssert.SameBytes(expected.AsSpan((int)offset, read), buffer.AsSpan(0, read));
            }
        });
    }

    [Fact]
    public void A_relative_backing_file_is_found_next_to_the_image_whatever_the_working_folder()
    {
        string raw = _folder.Combine("source.raw");
        byte[] content = SampleDisk.Create(raw);
        Directory.CreateDirectory(_folder.Combine("images"));
        QemuTools.Img("convert", "-O", "qcow2", raw, _folder.Combine("images/base.qcow2"));
        string top = _folder.Combine("images/top.qcow2");
        QemuTools.Img("create", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", top);

        using var source = DiskSource.Open(top);

        DiskAssert.SameBytes(content, DiskAssert.ReadAll(source));
    }

    [Fact]
    public void A_missing_backing_file_is_named()
    {
        string top = _folder.Combine("top.qcow2");
        QemuTools.Img("create", "-f", "qcow2", "-u", "-b", "gone.qcow2", "-F", "qcow2", top, "1M");

        var error = Assert.Throws<DiskSourceException>(() => DiskSource.Open(top));

        Assert.Contains(_folder.Combine("gone.qcow2"), error.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_backing_chain_that_loops_is_refused()
    {
        QemuTools.Img("create", "-f", "qcow2", "-u", "-b", "b.qcow2", "-F", "qcow2", _folder.Combine("a.qcow2"), "1M");
        QemuTools.Img("create", "-f", "qcow2", "-u", "-b", "a.qcow2", "-F", "qcow2", _folder.Combine("b.qcow2"), "1M");

        var error = Assert.Throws<DiskSourceException>(() => DiskSource.Open(_folder.Combine("a.qcow2")));

        Assert.Contains("loops", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_network_backing_file_is_refused_clearly()
    {
        string top = _folder.Combine("top.qcow2");
        QemuTools.Img("create", "-f", "qcow2", "-u", "-b", "nbd://example.invalid/export", "-F", "raw", top, "1M");

        var error = Assert.Throws<DiskSourceException>(() => DiskSource.Open(top));

        Assert.Contains("backing file that is not a local file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_encrypted_image_is_refused_clearly()
    {
        string image = _folder.Combine("aes.qcow2");
        QemuTools.Img(
            "create", "-f", "qcow2", "--object", "secret,id=sec0,data=password",
            "-o", "encrypt.format=aes,encrypt.key-secret=sec0", image, "1M");

        var error = Assert.Throws<DiskSourceException>(() => DiskSource.Open(image));

        Assert.Contains(image, error.Message, StringComparison.Ordinal);
        Assert.Contains("encrypted (AES)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_image_deleted_during_the_backup_fails_at_the_end()
    {
        string raw = _folder.Combine("source.raw");
        SampleDisk.Create(raw);
        string image = _folder.Combine("disk.qcow2");
        QemuTools.Img("convert", "-O", "qcow2", raw, image);
        using var source = DiskSource.Open(image);
        source.Read(0, new byte[65536]);

        File.Delete(image);

        var error = Assert.Throws<DiskSourceException>(() => source.Read(source.Length - 512, new byte[512]));
        Assert.Equal($"Disk file '{image}' vanished or shrank during the backup; nothing of this backup was kept.", error.Message);
    }

    [Fact]
    public void A_backing_file_deleted_during_the_backup_fails_at_the_end()
    {
        string raw = _folder.Combine("source.raw");
        SampleDisk.Create(raw);
        string top = _folder.Combine("top.qcow2");
        QemuTools.Img("create", "-f", "qcow2", "-b", "source.raw", "-F", "raw", top);
        using var source = DiskSource.Open(top);

        File.Delete(raw);

        var error = Assert.Throws<DiskSourceException>(() => source.GetAllocatedRanges().ToList());
        Assert.Contains(raw, error.Message, StringComparison.Ordinal);
    }
}
