using Lifeboat.Repository.DiskImages;

namespace Lifeboat.Repository.Tests.DiskImages;

public sealed class DiskSourceTests : IDisposable
{
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Opens_a_qcow2_image_by_its_magic_and_anything_else_as_raw()
    {
        string raw = _folder.Combine("disk.img");
        byte[] content = SampleDisk.Create(raw);
        string qcow2 = _folder.Combine("disk.anything");
        QemuTools.Img("convert", "-O", "qcow2", raw, qcow2);

        using var fromRaw = DiskSource.Open(raw);
        using var fromQcow2 = DiskSource.Open(qcow2);

        Assert.IsType<RawDiskSource>(fromRaw);
        Assert.IsType<Qcow2DiskSource>(fromQcow2);
        Assert.Equal(("raw", "qcow2"), (fromRaw.Format, fromQcow2.Format));
        DiskAssert.SameBytes(content, DiskAssert.ReadAll(fromQcow2));
    }

    [Theory]
    [InlineData("vmdk")]
    [InlineData("vhdx")]
    [InlineData("vdi")]
    public void Images_of_other_hypervisors_are_refused_rather_than_read_as_raw(string format)
    {
        string image = _folder.Combine("disk." + format);
        QemuTools.Img("create", "-f", format, image, "4M");

        var error = Assert.Throws<DiskSourceException>(() => DiskSource.Open(image));

        Assert.Contains(image, error.Message, StringComparison.Ordinal);
        Assert.Contains($"the {format} format", error.Message, StringComparison.Ordinal);
        Assert.Contains("qemu-img convert", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_named_in_one_sentence()
    {
        string path = _folder.Combine("missing.qcow2");

        var error = Assert.Throws<DiskSourceException>(() => DiskSource.Open(path));

        Assert.Equal($"Disk file '{path}' does not exist.", error.Message);
    }

    [Fact]
    public void A_file_shorter_than_any_magic_is_a_tiny_raw_disk()
    {
        string path = _folder.Combine("tiny.raw");
        File.WriteAllBytes(path, [1, 2, 3]);

        using var source = DiskSource.Open(path);

        Assert.Equal("raw", source.Format);
        var buffer = new byte[8];
        Assert.Equal(3, source.Read(0, buffer));
        Assert.Equal(new byte[] { 1, 2, 3 }, buffer[..3]);
    }
}
