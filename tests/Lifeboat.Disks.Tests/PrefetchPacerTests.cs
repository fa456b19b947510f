using Lifeboat.Disks.Prefetch;

namespace Lifeboat.Disks.Tests;

/// <summary>A boot prefetch keeps a window ahead of the guest in the profile's order until the boot is over.</summary>
public sealed class PrefetchPacerTests
{
    private const int Cluster = 65536;

    [Fact]
    public async Task The_prefetch_waits_beyond_its_window_until_the_guest_comes_nearer()
    {
        var pacer = new PrefetchPacer([10, 11, 12, 13, 14, 15], window: 2);
        pacer.WaitForTurn(0, CancellationToken.None);
        pacer.WaitForTurn(1, CancellationToken.None);
        Assert.Equal(-1, pacer.WaitingAt);
        var third = Task.Run(() => pacer.WaitForTurn(2, CancellationToken.None));
        await Wait.UntilAsync(() => pacer.WaitingAt == 2, "pacer.WaitingAt == 2", TimeSpan.FromSeconds(30)); // index 2 is beyond a window of 2 before the guest read anything

        pacer.NoteRead(40, 42); // not in the profile
        Assert.Equal(-1, pacer.Reached);
        Assert.Equal(2, pacer.WaitingAt);
        Assert.False(third.IsCompleted);

        pacer.NoteRead(10, 11);
        await third.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, pacer.Reached);
        Assert.Equal(-1, pacer.WaitingAt);

        pacer.NoteRead(12, 14); // a read over indices 2 and 3
        Assert.Equal(3, pacer.Reached);
        pacer.WaitForTurn(5, CancellationToken.None);
        pacer.NoteRead(11, 12); // behind: no step back
        Assert.Equal(3, pacer.Reached);
    }

    [Fact]
    public async Task Release_and_cancellation_end_the_wait()
    {
        var pacer = new PrefetchPacer([1, 2, 3, 4], window: 1);
        var waiting = Task.Run(() => pacer.WaitForTurn(3, CancellationToken.None));
        await Wait.UntilAsync(() => pacer.WaitingAt == 3, "pacer.WaitingAt == 3", TimeSpan.FromSeconds(30));
        Assert.False(waiting.IsCompleted);
        pacer.Release();
        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        pacer.WaitForTurn(3, CancellationToken.None);

        var other = new PrefetchPacer([1, 2, 3, 4], window: 1);
        using var cancel = new CancellationTokenSource();
        var cancelled = Task.Run(() => other.WaitForTurn(3, cancel.Token));
        await Wait.UntilAsync(() => other.WaitingAt == 3, "other.WaitingAt == 3", TimeSpan.FromSeconds(30));
        await cancel.CancelAsync();
        await cancelled.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(-1, other.WaitingAt);
    }

    [Fact]
    public async Task A_published_disk_prefetches_its_window_then_follows_the_guest_then_all_once_the_boot_is_over()
    {
        using var folder = new TestFolder(onDisk: false);
        var image = BaseImage.Create(folder.Combine("base.raw"), 4 * 1024 * 1024, 68);
        var probe = new InstrumentedBaseDisk(image.Open());
        var options = new PublishedDiskOptions { ClusterSize = Cluster, Hydration = true, ReadAheadBytes = 0, PrefetchWindowBytes = 2 * Cluster };
        await using var disk = PublishedDisk.Open(probe, folder.Combine("cache"), options);
        long[] profile = [20, 21, 22, 23, 24, 25, 26, 27];
        disk.BeginBootRecording();
        disk.StartPrefetch(new BootProfile(Cluster, profile));

        await Wait.UntilAsync(() => disk.PrefetchWaitingAt == 2, "disk.PrefetchWaitingAt == 2", TimeSpan.FromSeconds(30)); // indices 0 and 1 done, 2 beyond the window
        Assert.Equal(2, disk.Stats.PrefetchedClusters);

        var buffer = new byte[4096];
        await disk.ReadAsync(21 * Cluster, buffer); // index 1: the window now reaches index 3
        await Wait.UntilAsync(() => disk.PrefetchWaitingAt == 4, "disk.PrefetchWaitingAt == 4", TimeSpan.FromSeconds(30));
        Assert.Equal(4, disk.Stats.PrefetchedClusters);
        Assert.False(disk.PrefetchIdle.IsCompleted);

        disk.EndBootRecording();
        await disk.PrefetchIdle.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(profile.Length, disk.Stats.PrefetchedClusters);
        await disk.HydrationIdle;
        long reads = probe.Reads;
        foreach (var cluster in profile)
        {
            var whole = new byte[Cluster];
            await disk.ReadAsync(cluster * Cluster, whole);
            DiskAssert.AssertSame(image.Content.AsSpan((int)(cluster * Cluster), Cluster), whole, cluster * Cluster);
        }

        Assert.Equal(reads, probe.Reads);
    }
}
