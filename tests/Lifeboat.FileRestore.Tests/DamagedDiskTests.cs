using System.Globalization;
using Lifeboat.FileRestore.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Lifeboat.FileRestore.Tests;

/// <summary>
/// A disk with 64 KiB the backup cannot give under sda1:/docs/random.bin, opened through <see cref="FileRestoreAppliances"/>
/// with room for one appliance: one appliance for the class, so one test.
/// </summary>
public class DamagedDiskTests
{
    [Fact]
    public async Task A_damaged_block_fails_that_file_naming_chunk_and_offset_while_others_read_and_the_pool_keeps_its_budget()
    {
        var disks = GuestFileSystemsDisks.Get(RepositoryRoot.Find(), TestDisksAppliance.Kvm);
        // The ext4 partition starts at 1 MiB; block 256 of the file is its second MiB.
        var bmap = await Tools.RunCheckedAsync("debugfs", "-R", "bmap /docs/random.bin 256", $"{disks.Disk0}?offset=1048576");
        var block = long.Parse(bmap.Split('\n').Select(line => line.Trim()).Single(line => line.Length > 0 && line.All(char.IsAsciiDigit)), CultureInfo.InvariantCulture);
        var damagedOffset = (1L << 20) + (block * 4096);
        using var damaged = DamagedNbdExport.Start(disks.Disk0, damagedOffset);
        using var disk1 = QemuNbdExport.Start(disks.Disk1, "disk1");

        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new FileRestoreApplianceOptions { Kvm = TestDisksAppliance.Kvm, MemoryMegabytes = 512, OverheadMegabytes = 128, BudgetMegabytes = 1000, IdleTimeout = TimeSpan.FromMinutes(10) };
        await using var appliances = new FileRestoreAppliances(options, time, NullLogger.Instance);
        FileRestoreBrowser browser;
        try
        {
            browser = await appliances.OpenAsync([new GuestDrive(damaged.Url, damaged.LastDamagedBlock), new GuestDrive(disk1.Url)], CancellationToken.None);
        }
        catch (FileRestoreException ex)
        {
            throw new InvalidOperationException(damaged.State, ex);
        }

        Assert.Equal((1, 640), (appliances.Count, appliances.ReservedMegabytes));

        var error = await Assert.ThrowsAsync<FileRestoreException>(() => browser.CopyFileAsync(GuestPath.Parse("sda1:/docs/random.bin"), Stream.Null, null, CancellationToken.None));
        Assert.Equal("path", error.Field);
        Assert.True(error.Message.Contains("sda1:/docs/random.bin could not be read", StringComparison.Ordinal), error.Message);
        Assert.Contains($"disk 0 at offset {damagedOffset}", error.Message, StringComparison.Ordinal);
        Assert.Contains($"chunk chunk-{damagedOffset / DamagedNbdExport.DamagedLength:x8}", error.Message, StringComparison.Ordinal);

        foreach (var other in new[] { "sda1:/docs/readme.txt", "sda2:/FAT/DATA.BIN", "sdb1:/xfs/data.bin" })
        {
            using var hash = new HashingStream();
            await browser.CopyFileAsync(GuestPath.Parse(other), hash, null, CancellationToken.None);
            Assert.Equal(GuestFileSystemsDisks.Files[other], hash.Hex());
        }

        var full = await Assert.ThrowsAsync<FileRestoreException>(() => appliances.OpenAsync([new GuestDrive(disk1.Url)], CancellationToken.None));
        Assert.Equal("memory", full.Field);
        Assert.Contains("close a file-restore session or raise the memory budget", full.Message, StringComparison.Ordinal);

        time.Advance(TimeSpan.FromMinutes(5));
        await appliances.CloseIdleAsync();
        Assert.Equal(1, appliances.Count);
        time.Advance(TimeSpan.FromMinutes(6));
        await appliances.CloseIdleAsync();
        Assert.Equal((0, 0), (appliances.Count, appliances.ReservedMegabytes));
        var closed = await Assert.ThrowsAsync<FileRestoreException>(() => browser.StatAsync(GuestPath.Parse("sda1:/"), CancellationToken.None));
        Assert.Equal("session", closed.Field);
    }
}
