using Lifeboat.Disks.Journal;

namespace Lifeboat.Disks.Tests;

public sealed class JournalTests
{
    [Fact]
    public void A_record_round_trips_and_is_only_valid_at_its_own_position()
    {
        var bytes = new byte[JournalRecord.Size];
        JournalRecord.MapClusters(123456789, 42).Write(bytes, 7);

        Assert.True(JournalRecord.TryRead(bytes, 7, out var record));
        Assert.Equal(JournalRecord.MapClusters(123456789, 42), record);
        Assert.False(JournalRecord.TryRead(bytes, 8, out _));
        Assert.False(JournalRecord.TryRead(bytes.AsSpan(0, JournalRecord.Size - 1), 7, out _));
        for (int i = 0; i < bytes.Length; i++)
        {
            bytes[i] ^= 0x10;
            Assert.False(JournalRecord.TryRead(bytes, 7, out _));
            bytes[i] ^= 0x10;
        }
    }

    [Fact]
    public void A_header_round_trips_and_rejects_damage()
    {
        var header = new JournalHeader(65536, 1L << 40, 1_700_000_000_000, Guid.NewGuid());
        var bytes = new byte[JournalHeader.Size];
        header.Write(bytes);
        Assert.True(JournalHeader.TryRead(bytes, out var read, out _));
        Assert.Equal(header, read);

        bytes[20] ^= 1;
        Assert.False(JournalHeader.TryRead(bytes, out _, out string? error));
        Assert.Contains("checksum", error, StringComparison.Ordinal);
        Assert.False(JournalHeader.TryRead(bytes.AsSpan(0, 10), out _, out _));
    }

    [Fact]
    public async Task A_torn_last_record_is_ignored_and_removed_and_earlier_writes_survive()
    {
        using var folder = new TestFolder(onDisk: false);
        var image = BaseImage.Create(folder.Combine("base.raw"), 1024 * 1024, 30);
        string cache = folder.Combine("cache");
        var options = new PublishedDiskOptions { ClusterSize = 4096 };
        await using (var disk = PublishedDisk.Open(image.Open(), cache, options))
        {
            await disk.WriteAsync(0, Enumerable.Repeat((byte)1, 4096).ToArray(), WriteStability.FileSync);
            await disk.WriteAsync(8192, Enumerable.Repeat((byte)2, 4096).ToArray(), WriteStability.FileSync);
        }

        // A boot record, then for each write the record appended before it returned and the one of its commit.
        string journal = Path.Combine(cache, "writes.journal");
        long length = new FileInfo(journal).Length;
        Assert.Equal(JournalHeader.Size + (5 * JournalRecord.Size), length);
        using (var stream = new FileStream(journal, FileMode.Open))
            stream.SetLength(length - JournalRecord.Size - 3); // the second write's first record was torn: it never returned

        await using (var disk = PublishedDisk.Open(image.Open(), cache, options))
        {
            var expected = (byte[])image.Content.Clone();
            expected.AsSpan(0, 4096).Fill(1);
            await DiskAssert.ContentEqualAsync(expected, disk);
            Assert.Equal(1, disk.Stats.WrittenClusters);
        }

        // Compacted: the first write's cluster and this boot's record.
        Assert.Equal(JournalHeader.Size + (2 * JournalRecord.Size), new FileInfo(journal).Length);
    }

    [Fact]
    public async Task Garbage_after_the_last_record_is_ignored()
    {
        using var folder = new TestFolder(onDisk: false);
        var image = BaseImage.Create(folder.Combine("base.raw"), 512 * 1024, 31);
        string cache = folder.Combine("cache");
        await using (var disk = PublishedDisk.Open(image.Open(), cache, PublishedDiskOptions.Default))
            await disk.WriteAsync(1000, new byte[] { 5 }, WriteStability.FileSync);

        using (var stream = new FileStream(Path.Combine(cache, "writes.journal"), FileMode.Append))
            stream.Write(Enumerable.Range(0, 100).Select(i => (byte)i).ToArray());

        await using var reopened = PublishedDisk.Open(image.Open(), cache, PublishedDiskOptions.Default);
        var buffer = new byte[1];
        await reopened.ReadAsync(1000, buffer);
        Assert.Equal(5, buffer[0]);
    }

    [Fact]
    public async Task A_journal_with_a_damaged_header_is_refused_with_advice()
    {
        using var folder = new TestFolder(onDisk: false);
        var image = BaseImage.Create(folder.Combine("base.raw"), 512 * 1024, 32);
        string cache = folder.Combine("cache");
        await using (PublishedDisk.Open(image.Open(), cache, PublishedDiskOptions.Default))
        {
        }

        string journal = Path.Combine(cache, "writes.journal");
        var bytes = await File.ReadAllBytesAsync(journal);
        bytes[13] ^= 0xFF;
        await File.WriteAllBytesAsync(journal, bytes);

        var ex = Assert.Throws<InvalidDataException>(() => PublishedDisk.Open(image.Open(), cache, PublishedDiskOptions.Default));
        Assert.Contains("checksum", ex.Message, StringComparison.Ordinal);
        Assert.Contains("publish it again", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_journal_of_a_newer_format_asks_for_an_upgrade()
    {
        using var folder = new TestFolder(onDisk: false);
        var image = BaseImage.Create(folder.Combine("base.raw"), 512 * 1024, 33);
        string cache = folder.Combine("cache");
        await using (PublishedDisk.Open(image.Open(), cache, PublishedDiskOptions.Default))
        {
        }

        string journal = Path.Combine(cache, "writes.journal");
        var bytes = await File.ReadAllBytesAsync(journal);
        bytes[8] = 9; // version 9
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(60), System.IO.Hashing.Crc32.HashToUInt32(bytes.AsSpan(0, 60)));
        await File.WriteAllBytesAsync(journal, bytes);

        var ex = Assert.Throws<InvalidDataException>(() => PublishedDisk.Open(image.Open(), cache, PublishedDiskOptions.Default));
        Assert.Contains("upgrade Lifeboat", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_valid_record_mapping_clusters_outside_the_disk_is_refused()
    {
        using var folder = new TestFolder(onDisk: false);
        var image = BaseImage.Create(folder.Combine("base.raw"), 64 * 1024, 34);
        string cache = folder.Combine("cache");
        await using (PublishedDisk.Open(image.Open(), cache, new PublishedDiskOptions { ClusterSize = 4096 }))
        {
        }

        var record = new byte[JournalRecord.Size];
        JournalRecord.MapClusters(10, 1L << 40).Write(record, 1); // after the boot record
        using (var stream = new FileStream(Path.Combine(cache, "writes.journal"), FileMode.Append))
            stream.Write(record);

        var ex = Assert.Throws<InvalidDataException>(() => PublishedDisk.Open(image.Open(), cache, new PublishedDiskOptions { ClusterSize = 4096 }));
        Assert.Contains("outside the disk", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reopening_compacts_many_records_into_one_per_run()
    {
        using var folder = new TestFolder(onDisk: false);
        var image = BaseImage.Create(folder.Combine("base.raw"), 1024 * 1024, 35);
        string cache = folder.Combine("cache");
        var options = new PublishedDiskOptions { ClusterSize = 4096 };
        await using (var disk = PublishedDisk.Open(image.Open(), cache, options))
        {
            for (int i = 0; i < 20; i++)
                await disk.WriteAsync(i * 4096L, new byte[4096], WriteStability.FileSync);
        }

        string journal = Path.Combine(cache, "writes.journal");
        Assert.Equal(JournalHeader.Size + ((1 + (2 * 20)) * JournalRecord.Size), new FileInfo(journal).Length);
        await using (var disk = PublishedDisk.Open(image.Open(), cache, options))
            Assert.Equal(20, disk.Stats.WrittenClusters);
        Assert.Equal(JournalHeader.Size + (2 * JournalRecord.Size), new FileInfo(journal).Length);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_returned_write_never_committed_is_kept_after_a_crash_of_the_process_and_dropped_after_a_restart_of_the_machine(bool machineRestarted)
    {
        using var folder = new TestFolder(onDisk: false);
        var image = BaseImage.Create(folder.Combine("base.raw"), 256 * 1024, 36);
        string cache = folder.Combine("cache");
        string journal = Path.Combine(cache, "writes.journal");
        var options = new PublishedDiskOptions { ClusterSize = 4096 };
        byte[] atCrash;
        await using (var disk = PublishedDisk.Open(image.Open(), cache, options))
        {
            await disk.WriteAsync(0, Enumerable.Repeat((byte)1, 4096).ToArray(), WriteStability.FileSync);
            await disk.WriteAsync(16384, Enumerable.Repeat((byte)2, 6000).ToArray(), WriteStability.Unstable);
            // The journal as a SIGKILL now would leave it: the unstable write's record, no commit's.
            atCrash = await File.ReadAllBytesAsync(journal);
        }

        if (machineRestarted)
        {
            // The journal's boot record names another boot than this one.
            var bootRecord = atCrash.AsSpan(JournalHeader.Size, JournalRecord.Size);
            JournalRecord.Boot(new MachineBoot(MachineBoot.Current.High ^ 1, MachineBoot.Current.Low)).Write(bootRecord, 0);
        }

        await File.WriteAllBytesAsync(journal, atCrash);
        var expected = (byte[])image.Content.Clone();
        expected.AsSpan(0, 4096).Fill(1);
        if (!machineRestarted)
            expected.AsSpan(16384, 6000).Fill(2);
        await using (var disk = PublishedDisk.Open(image.Open(), cache, options))
            await DiskAssert.ContentEqualAsync(expected, disk);

        // Reopened again, in this boot: what the first reopen kept was made durable, what it dropped stays dropped.
        await using (var disk = PublishedDisk.Open(image.Open(), cache, options))
            await DiskAssert.ContentEqualAsync(expected, disk);
    }
}
