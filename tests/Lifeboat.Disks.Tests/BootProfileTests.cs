namespace Lifeboat.Disks.Tests;

/// <summary>Recording the clusters a boot reads, and prefetching them on the next publication of the same disk.</summary>
public sealed class BootProfileTests
{
    private const int Cluster = 65536;

    [Fact]
    public async Task Recording_notes_each_cluster_once_in_first_touch_order()
    {
        using var folder = new TestFolder(onDisk: false);
        var image = BaseImage.Create(folder.Combine("base.raw"), 4 * 1024 * 1024, 60);
        await using var disk = PublishedDisk.Open(image.Open(), folder.Combine("cache"), Options());
        var buffer = new byte[4096];
        await disk.ReadAsync(10 * Cluster, buffer);

        disk.BeginBootRecording();
        await disk.ReadAsync(30 * Cluster + 100, buffer);
        await disk.ReadAsync(2 * Cluster, new byte[2 * Cluster]);
        await disk.ReadAsync(30 * Cluster, buffer);
        await disk.ReadAsync(Cluster - 10, new byte[20]);
        var profile = disk.EndBootRecording();

        Assert.Equal(Cluster, profile.ClusterSize);
        Assert.Equal(new long[] { 30, 2, 3, 0, 1 }, profile.Clusters);
        await disk.ReadAsync(40 * Cluster, buffer);
        Assert.Empty(disk.EndBootRecording().Clusters);
    }

    [Fact]
    public async Task Recording_stops_at_its_bound()
    {
        using var folder = new TestFolder(onDisk: false);
        var image = BaseImage.Create(folder.Combine("base.raw"), 4 * 1024 * 1024, 61);
        await using var disk = PublishedDisk.Open(image.Open(), folder.Combine("cache"), Options());
        disk.BeginBootRecording(maxClusters: 8);
        await disk.ReadAsync(0, new byte[4 * 1024 * 1024]);
        Assert.Equal(Enumerable.Range(0, 8).Select(i => (long)i), disk.EndBootRecording().Clusters);
    }

    [Fact]
    public async Task A_prefetched_profile_serves_the_next_boot_from_the_hydration_file_with_the_same_bytes()
    {
        using var folder = new TestFolder(onDisk: false);
        var image = BaseImage.Create(folder.Combine("base.raw"), 8 * 1024 * 1024, 62);
        long[] bootReads = [5 * Cluster, 6 * Cluster + 300, 64 * 1024 * 40, 0, 100 * Cluster + 7, 7 * Cluster];

        BootProfile profile;
        await using (var first = PublishedDisk.Open(image.Open(), folder.Combine("cache1"), Options()))
        {
            first.BeginBootRecording();
            foreach (var offset in bootReads)
                await first.ReadAsync(offset, new byte[8192]);
            profile = first.EndBootRecording();
        }

        var probe = new InstrumentedBaseDisk(image.Open());
        await using var second = PublishedDisk.Open(probe, folder.Combine("cache2"), Options());
        Assert.Equal(profile.Clusters.Count, second.StartPrefetch(profile));
        await second.PrefetchIdle;
        await second.HydrationIdle;
        long baseReadsAfterPrefetch = probe.Reads;
        Assert.Equal(profile.Clusters.Count, second.Stats.PrefetchedClusters);

        foreach (var offset in bootReads)
        {
            var buffer = new byte[8192];
            await second.ReadAsync(offset, buffer);
            DiskAssert.AssertSame(image.Content.AsSpan((int)offset, buffer.Length), buffer, offset);
        }

        Assert.Equal(baseReadsAfterPrefetch, probe.Reads);
        Assert.Equal(bootReads.Length, second.Stats.PrefetchHits);
    }

    [Fact]
    public async Task Prefetch_reads_one_cluster_at_a_time_so_it_decodes_on_its_own_thread()
    {
        using var folder = new TestFolder(onDisk: false);
        var image = BaseImage.Create(folder.Combine("base.raw"), 4 * 1024 * 1024, 65);
        var profile = new BootProfile(Cluster, [.. Enumerable.Range(8, 32).Select(c => (long)c)]);
        var probe = new InstrumentedBaseDisk(image.Open());
        await using var disk = PublishedDisk.Open(probe, folder.Combine("cache"), Options());
        disk.StartPrefetch(profile);
        await disk.PrefetchIdle;
        await disk.HydrationIdle;

        Assert.Equal(32, probe.Reads);
        Assert.Equal(32, disk.Stats.PrefetchedClusters);
        var buffer = new byte[32 * Cluster];
        await disk.ReadAsync(8 * Cluster, buffer);
        DiskAssert.AssertSame(image.Content.AsSpan(8 * Cluster, buffer.Length), buffer, 8 * Cluster);
        Assert.Equal(32, probe.Reads);
    }

    [Fact]
    public async Task Prefetch_decodes_on_a_thread_of_its_own_below_the_guest_reads_priority()
    {
        using var folder = new TestFolder(onDisk: false);
        var image = BaseImage.Create(folder.Combine("base.raw"), 2 * 1024 * 1024, 66);
        var probe = new ThreadProbeBaseDisk(image.Open());
        await using var disk = PublishedDisk.Open(probe, folder.Combine("cache"), Options() with { DiskName = "disk0" });
        disk.StartPrefetch(new BootProfile(Cluster, [1, 2, 3, 4]));
        await disk.PrefetchIdle;

        var readers = probe.Readers.Distinct().ToArray();
        var reader = Assert.Single(readers);
        Assert.StartsWith("prefetch", reader.Name, StringComparison.Ordinal);
        if (OperatingSystem.IsLinux())
            Assert.Equal(BackgroundThreadPriority.Nice, reader.Nice);

        // A guest read runs where it was called, at the caller's priority.
        await disk.ReadAsync(10 * Cluster, new byte[4096]);
        Assert.Equal(ThreadProbeBaseDisk.NiceOfThisThread(), probe.Readers[^1].Nice);
    }

    [Fact]
    public async Task Prefetch_skips_written_clusters_and_never_overwrites_a_guest_write()
    {
        using var folder = new TestFolder(onDisk: false);
        var image = BaseImage.Create(folder.Combine("base.raw"), 2 * 1024 * 1024, 63);
        await using var disk = PublishedDisk.Open(image.Open(), folder.Combine("cache"), Options());
        var written = Enumerable.Repeat((byte)0xAB, Cluster).ToArray();
        await disk.WriteAsync(3 * Cluster, written, WriteStability.FileSync);

        disk.StartPrefetch(new BootProfile(Cluster, [3, 4, 5]));
        await disk.PrefetchIdle;
        Assert.Equal(2, disk.Stats.PrefetchedClusters);

        var buffer = new byte[3 * Cluster];
        await disk.ReadAsync(3 * Cluster, buffer);
        Assert.Equal(written, buffer[..Cluster]);
        DiskAssert.AssertSame(image.Content.AsSpan(4 * Cluster, 2 * Cluster), buffer.AsSpan(Cluster), 4 * Cluster);
    }

    [Fact]
    public async Task A_read_counts_as_a_prefetch_hit_once_and_only_where_the_prefetched_copy_serves_it()
    {
        using var folder = new TestFolder(onDisk: false);
        var image = BaseImage.Create(folder.Combine("base.raw"), 2 * 1024 * 1024, 69);
        await using var disk = PublishedDisk.Open(image.Open(), folder.Combine("cache"), Options());
        disk.StartPrefetch(new BootProfile(Cluster, [3, 4, 5]));
        await disk.PrefetchIdle;
        await disk.WriteAsync(4 * Cluster, new byte[Cluster], WriteStability.Unstable);

        await disk.ReadAsync(4 * Cluster, new byte[4096]); // the write cache serves it
        await disk.ReadAsync(10 * Cluster, new byte[4096]); // never prefetched
        Assert.Equal(0, disk.Stats.PrefetchHits);
        await disk.ReadAsync(3 * Cluster, new byte[3 * Cluster]); // two prefetched clusters around a written one: one read
        Assert.Equal(1, disk.Stats.PrefetchHits);
    }

    [Fact]
    public void A_profile_of_another_cluster_size_covers_the_same_bytes_in_order()
    {
        var profile = new BootProfile(65536, [3, 0]);
        Assert.Equal(new long[] { 6, 7, 0, 1 }, profile.ClustersOf(32768));
        Assert.Equal(new long[] { 0 }, profile.ClustersOf(262144));
    }

    [Fact]
    public async Task Without_hydration_there_is_nothing_to_prefetch_into()
    {
        using var folder = new TestFolder(onDisk: false);
        var image = BaseImage.Create(folder.Combine("base.raw"), 1024 * 1024, 64);
        await using var disk = PublishedDisk.Open(image.Open(), folder.Combine("cache"), Options() with { Hydration = false });
        Assert.Equal(0, disk.StartPrefetch(new BootProfile(Cluster, [1, 2])));
        await disk.PrefetchIdle;
    }

    /// <summary>A base that notes the name and the nice value of the thread each read runs on.</summary>
    private sealed class ThreadProbeBaseDisk(FileBaseDisk inner) : IBaseDisk
    {
        private readonly List<(string Name, int Nice)> _readers = [];

        public long Length => inner.Length;

        public IReadOnlyList<(string Name, int Nice)> Readers
        {
            get
            {
                lock (_readers)
                    return [.. _readers];
            }
        }

        public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken ct)
        {
            lock (_readers)
                _readers.Add((Thread.CurrentThread.Name ?? "", NiceOfThisThread()));
            return inner.ReadAsync(offset, buffer, ct);
        }

        public void Dispose() => inner.Dispose();

        /// <summary>The calling thread's nice value from /proc/thread-self/stat (its 19th field); 0 off Linux.</summary>
        public static int NiceOfThisThread()
        {
            if (!OperatingSystem.IsLinux())
                return 0;
            var stat = File.ReadAllText("/proc/thread-self/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[16], System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    private static PublishedDiskOptions Options() => new() { ClusterSize = Cluster, Hydration = true, ReadAheadBytes = 0 };
}
