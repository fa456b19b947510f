using Lifeboat.Hypervisors.Qemu.LiveBackup;
using Lifeboat.Repository;
using Lifeboat.Repository.DiskImages;

namespace Lifeboat.LiveBackup.Tests;

/// <summary>
/// <see cref="NbdDiskSource"/> against qemu-nbd, which serves a qcow2 image with a persistent dirty bitmap as QEMU
/// serves a running VM's point in time: what holds data and what changed come from NBD block status.
/// </summary>
public sealed class NbdDiskSourceTests : IDisposable
{
    private const long Size = 8 * 1024 * 1024;
    private const int Block = 64 * 1024;
    private const string Bitmap = "b0";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly TestFolder _folder = new();

    [Fact]
    public async Task A_full_read_takes_the_allocated_ranges_and_reads_the_disk_as_it_is()
    {
        var image = await DiskAsync(withBitmap: false);
        using var export = QemuNbdExport.Start(image, "disk0", "qcow2");
        using var source = await OpenAsync(export, changedContext: null);

        Assert.Equal(Size, source.Length);
        Assert.Equal("qcow2", source.Format);
        Assert.Null(source.BaseRestorePointId);
        Assert.Equal("no bitmap to trust", source.FullReadReason);
        Assert.Equal("tracking-2", source.TrackingId);
        Assert.Equal([(0L, 2L * Block), (1024L * 1024, Block), (3L * 1024 * 1024, Block)], source.GetAllocatedRanges());
        Assert.Empty(source.GetChangedRanges());
        Assert.Equal(4L * Block, source.BytesToRead);

        foreach (var (offset, length) in source.GetAllocatedRanges())
        {
            for (var at = offset; at < offset + length; at += Block)
                Assert.Equal(Expected(at, Block), ReadBlock(source, at, Block));
        }

        Assert.Equal(4L * Block, source.BytesRead);
    }

    [Fact]
    public async Task A_full_backup_reads_only_what_block_status_says_holds_data_never_zeroes_or_holes()
    {
        var image = await DiskAsync(withBitmap: false);
        // Written as zeroes (allocated, but base:allocation says it reads as zeroes) beside the holes qemu-img left.
        await Tools.RunOkAsync("qemu-io", "-f", "qcow2", "-c", $"write -z 5M {2 * Block}", image);
        using var export = QemuNbdExport.Start(image, "disk0", "qcow2");
        using var source = await OpenAsync(export, changedContext: null);
        using var repository = BackupRepository.Init(_folder.Combine("repo"), new RepositoryOptions(BlockSize: Block), password: null);

        var point = await repository.BackupAsync(new BackupRequest("vm", []) { Disks = [new BackupDisk("disk0", "disk0 via qemu-nbd", source)] }, null, CancellationToken.None)
            .WaitAsync(Patience);

        // 8 MiB of disk, 256 KiB of data: the rest is never asked for over NBD.
        Assert.Equal(4L * Block, source.BytesRead);
        Assert.Equal(4L * Block, point.Disks[0].ChangeTracking!.BytesRead);
        Assert.Equal(Size, point.Disks[0].Size);
    }

    [Fact]
    public async Task An_incremental_read_takes_what_the_dirty_bitmap_marks_since_the_base_restore_point()
    {
        var image = await DiskAsync(withBitmap: true);
        using var export = QemuNbdExport.Start(image, "disk0", "qcow2", $"--bitmap={Bitmap}");
        using var source = await OpenAsync(export, changedContext: $"qemu:dirty-bitmap:{Bitmap}");

        Assert.Equal("base-1", source.BaseRestorePointId);
        Assert.Null(source.FullReadReason);
        Assert.Equal([(1024L * 1024, Block)], source.GetChangedRanges());
        Assert.Equal(Block, source.BytesToRead);
        Assert.Equal(Expected(1024 * 1024, Block), ReadBlock(source, 1024 * 1024, Block));
    }

    [Fact]
    public async Task Reads_stop_at_the_end_of_the_disk()
    {
        var image = await DiskAsync(withBitmap: false);
        using var export = QemuNbdExport.Start(image, "disk0", "qcow2");
        using var source = await OpenAsync(export, changedContext: null);

        var buffer = new byte[2 * Block];
        Assert.Equal(Block, source.Read(Size - Block, buffer));
        Assert.Equal(0, source.Read(Size, buffer));
        Assert.Throws<ArgumentOutOfRangeException>(() => source.Read(-1, buffer));
    }

    [Fact]
    public async Task A_read_after_the_export_went_away_fails_naming_the_export_and_the_offset()
    {
        var image = await DiskAsync(withBitmap: false);
        using var export = QemuNbdExport.Start(image, "disk0", "qcow2");
        using var source = await OpenAsync(export, changedContext: null);
        export.Kill();

        var failure = Assert.Throws<DiskSourceException>(() => source.Read(3L * 1024 * 1024, new byte[Block]));
        Assert.Contains("export 'disk0'", failure.Message, StringComparison.Ordinal);
        Assert.Contains("offset 3145728", failure.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _folder.Dispose();

    private static Task<NbdDiskSource> OpenAsync(QemuNbdExport export, string? changedContext) =>
        NbdDiskSource.OpenAsync(new LiveBackupNbdServer(export.EndPoint, null), "disk0", "qcow2", changedContext, "base-1", "no bitmap to trust", "tracking-2", CancellationToken.None)
            .WaitAsync(Patience);

    /// <summary>A qcow2 disk holding data at 0 (two blocks) and 3 MiB; with a bitmap, one block at 1 MiB written after it was added, else written before.</summary>
    private async Task<string> DiskAsync(bool withBitmap)
    {
        var image = _folder.Combine("disk.qcow2");
        await Tools.RunOkAsync("qemu-img", "create", "-q", "-f", "qcow2", image, Size.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Tools.RunOkAsync("qemu-io", "-f", "qcow2", "-c", $"write -P {Pattern(0)} 0 {2 * Block}", "-c", $"write -P {Pattern(3L * 1024 * 1024)} 3M {Block}", image);
        if (withBitmap)
            await Tools.RunOkAsync("qemu-img", "bitmap", "--add", image, Bitmap);
        await Tools.RunOkAsync("qemu-io", "-f", "qcow2", "-c", $"write -P {Pattern(1024 * 1024)} 1M {Block}", image);
        return image;
    }

    private static byte Pattern(long offset) => (byte)(0x11 + (offset / (1024 * 1024)));

    private static byte[] Expected(long offset, int length) => Enumerable.Repeat(Pattern(offset), length).ToArray();

    private static byte[] ReadBlock(NbdDiskSource source, long offset, int length)
    {
        var buffer = new byte[length];
        Assert.Equal(length, source.Read(offset, buffer));
        return buffer;
    }
}
