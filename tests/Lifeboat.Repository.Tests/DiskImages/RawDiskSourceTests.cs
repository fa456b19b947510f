using System.ComponentModel;
using System.Diagnostics;
using Lifeboat.Repository.DiskImages;

namespace Lifeboat.Repository.Tests.DiskImages;

public sealed class RawDiskSourceTests : IDisposable
{
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Reads_the_file_bit_exact_with_holes_as_zeros()
    {
        string path = _folder.Combine("disk.raw");
        byte[] content = SampleDisk.Create(path);

        using var source = RawDiskSource.Open(path);

        Assert.Equal("raw", source.Format);
        Assert.Equal(SampleDisk.Size, source.Length);
        DiskAssert.SameBytes(content, DiskAssert.ReadAll(source));
        DiskAssert.SameBytes(content, DiskAssert.ReadAll(source, chunk: 4 * SampleDisk.MiB));
    }

    [Fact]
    public void Allocated_ranges_cover_all_data_and_skip_the_holes()
    {
        string path = _folder.Combine("disk.raw");
        byte[] content = SampleDisk.Create(path);

        using var source = RawDiskSource.Open(path);

        long allocated = DiskAssert.RangesCoverData(source, content);
        Assert.True(allocated < source.Length, $"All {allocated} bytes are reported allocated: the holes were not found.");
        Assert.False(DiskAssert.AnyRangeTouches(source, SampleDisk.HoleStart + 65536, SampleDisk.HoleEnd - 65536));
        // Zeros that were written are allocated: only holes are skipped.
        Assert.True(DiskAssert.AnyRangeTouches(source, 4 * SampleDisk.MiB, 5 * SampleDisk.MiB));
    }

    [Fact]
    public void A_file_that_is_one_hole_has_no_allocated_ranges()
    {
        string path = _folder.Combine("empty.raw");
        using (var file = File.Create(path))
            file.SetLength(8 * SampleDisk.MiB);

        using var source = RawDiskSource.Open(path);

        Assert.Empty(source.GetAllocatedRanges());
        var buffer = new byte[1000];
        buffer.AsSpan().Fill(0xee);
        Assert.Equal(buffer.Length, source.Read(5_000_000, buffer));
        Assert.True(buffer.AsSpan().IndexOfAnyExcept((byte)0) < 0);
    }

    [Fact]
    public void An_empty_file_is_an_empty_disk()
    {
        string path = _folder.Combine("zero-length.raw");
        File.WriteAllBytes(path, []);

        using var source = RawDiskSource.Open(path);

        Assert.Equal(0, source.Length);
        Assert.Empty(source.GetAllocatedRanges());
        Assert.Equal(0, source.Read(0, new byte[512]));
    }

    [Fact]
    public void Reads_stop_at_the_end_of_a_disk_whose_size_is_not_a_sector_multiple()
    {
        string path = _folder.Combine("odd.raw");
        var content = new byte[1001];
        new Random(7).NextBytes(content);
        File.WriteAllBytes(path, content);

        using var source = RawDiskSource.Open(path);
        var buffer = new byte[4096];

        Assert.Equal(1001, source.Length);
        Assert.Equal(1, source.Read(1000, buffer));
        Assert.Equal(content[1000], buffer[0]);
        Assert.Equal(0, source.Read(1001, buffer));
        Assert.Equal(0, source.Read(1 << 30, buffer));
        Assert.Throws<ArgumentOutOfRangeException>(() => source.Read(-1, buffer));
        Assert.Equal((0L, 1001L), Assert.Single(source.GetAllocatedRanges()));
    }

    [Fact]
    public void Concurrent_readers_at_random_offsets_all_read_the_right_bytes()
    {
        string path = _folder.Combine("disk.raw");
        byte[] content = SampleDisk.Create(path);
        using var source = RawDiskSource.Open(path);

        Parallel.For(0, 8, worker =>
        {
            var random = new Random(worker);
            var buffer = new byte[70_000];
            for (int i = 0; i < 200; i++)
            {
                long offset = random.NextInt64(source.Length);
                int read = source.Read(offset, buffer);
                Assert.Equal(Math.Min(buffer.Length, source.Length - offset), read);
                DiskAssert.SameBytes(content.AsSpan((int)offset, read), buffer.AsSpan(0, read));
            }
        });
    }

    [Fact]
    public void A_missing_file_is_named_in_one_sentence()
    {
        string path = _folder.Combine("nope.raw");

        var error = Assert.Throws<DiskSourceException>(() => RawDiskSource.Open(path));

        Assert.Equal($"Disk file '{path}' does not exist.", error.Message);
    }

    [Fact]
    public void A_folder_is_not_a_disk()
    {
        var error = Assert.Throws<DiskSourceException>(() => RawDiskSource.Open(_folder.Path));

        Assert.Contains(_folder.Path, error.Message, StringComparison.Ordinal);
        Assert.Contains("folder", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_shrinks_during_the_backup_fails_the_read()
    {
        string path = _folder.Combine("disk.raw");
        SampleDisk.Create(path);
        using var source = RawDiskSource.Open(path);

        using (var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
            file.SetLength(SampleDisk.MiB);

        var error = Assert.Throws<DiskSourceException>(() => source.Read(2 * SampleDisk.MiB, new byte[4096]));
        Assert.Equal($"Disk file '{path}' vanished or shrank during the backup; nothing of this backup was kept.", error.Message);
    }

    [Fact]
    public void A_file_deleted_during_the_backup_fails_at_the_end()
    {
        string path = _folder.Combine("disk.raw");
        SampleDisk.Create(path);
        using var source = RawDiskSource.Open(path);
        var buffer = new byte[65536];
        source.Read(0, buffer);

        File.Delete(path);

        var error = Assert.Throws<DiskSourceException>(() => source.Read(source.Length - 100, buffer));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("vanished", error.Message, StringComparison.Ordinal);
        Assert.Throws<DiskSourceException>(() => source.GetAllocatedRanges().ToList());
        Assert.Throws<DiskSourceException>(source.EnsureUnchanged);
    }

    [Fact]
    public void A_file_replaced_by_another_during_the_backup_fails_at_the_end()
    {
        string path = _folder.Combine("disk.raw");
        SampleDisk.Create(path);
        using var source = RawDiskSource.Open(path);

        string replacement = _folder.Combine("new.raw");
        SampleDisk.Create(replacement, seed: 2);
        File.Move(replacement, path, overwrite: true);

        Assert.Throws<DiskSourceException>(() => source.Read(source.Length - 1, new byte[1]));
    }

    [Fact]
    public void A_file_moved_away_but_still_linked_elsewhere_fails_at_the_end()
    {
        string path = _folder.Combine("disk.raw");
        SampleDisk.Create(path);
        using var source = RawDiskSource.Open(path);

        File.Move(path, _folder.Combine("moved.raw"));

        Assert.Throws<DiskSourceException>(source.EnsureUnchanged);
    }

    [Fact]
    public void An_untouched_file_passes_the_end_check()
    {
        string path = _folder.Combine("disk.raw");
        byte[] content = SampleDisk.Create(path);
        using var source = RawDiskSource.Open(path);

        DiskAssert.ReadAll(source);
        source.EnsureUnchanged();
        DiskAssert.RangesCoverData(source, content);
    }

    [Fact]
    public void A_block_device_reads_like_its_file()
    {
        string path = _folder.Combine("disk.raw");
        byte[] content = SampleDisk.Create(path, size: 6 * SampleDisk.MiB);
        string device = AttachLoopDevice(path);
        try
        {
            using var source = DiskSource.Open(device);

            Assert.IsType<RawDiskSource>(source);
            Assert.Equal(content.Length, source.Length);
            DiskAssert.SameBytes(content, DiskAssert.ReadAll(source));
            Assert.Equal((0L, (long)content.Length), Assert.Single(source.GetAllocatedRanges()));
        }
        finally
        {
            RunTool("losetup", "-d", device);
        }
    }

    private static string AttachLoopDevice(string path)
    {
        try
        {
            return RunTool("losetup", "--find", "--show", "--read-only", path).Trim();
        }
        catch (InvalidOperationException ex)
        {
            throw new InvalidOperationException(
                "This test attaches a loop device: run the tests as root on a machine with /dev/loop-control (util-linux's losetup).", ex);
        }
    }

    private static string RunTool(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException($"{tool} is not installed.", ex);
        }

        using var _ = process;
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0
            ? output
            : throw new InvalidOperationException($"{tool} {string.Join(' ', arguments)} failed: {error}");
    }
}
