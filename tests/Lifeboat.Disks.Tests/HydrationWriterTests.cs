using Lifeboat.Disks.Hydration;
using System.Buffers;

namespace Lifeboat.Disks.Tests;

public sealed class HydrationWriterTests
{
    private const int Cluster = 65536;
    private const int Shift = 16;

    [Fact]
    public async Task A_queued_copy_is_in_the_store_once_the_writer_drained()
    {
        using var folder = new TestFolder(onDisk: false);
        using var store = NewStore(folder);
        using var writer = new HydrationWriter(store, 1024 * 1024, () => { }, "test");

        var bytes = RandomBytes(2 * Cluster, 1);
        Assert.True(writer.TryReserve(bytes.Length));
        writer.Queue(3, Rented(bytes), bytes.Length, store.Epoch);
        await writer.DrainAsync();

        Assert.True(store.IsHydrated(3));
        Assert.True(store.IsHydrated(4));
        Assert.False(store.IsHydrated(5));
        var back = new byte[bytes.Length];
        store.Read(back, 3L * Cluster);
        Assert.Equal(bytes, back);
    }

    [Fact]
    public void A_full_queue_refuses_reservations_until_room_is_given_back()
    {
        using var folder = new TestFolder(onDisk: false);
        using var store = NewStore(folder);
        using var writer = new HydrationWriter(store, 2 * Cluster, () => { }, "test");

        Assert.True(writer.TryReserve(2 * Cluster));
        Assert.False(writer.TryReserve(Cluster));

        writer.Cancel(2 * Cluster); // that read failed: its room is free again
        Assert.True(writer.TryReserve(Cluster));
    }

    [Fact]
    public void An_empty_queue_takes_one_copy_larger_than_its_bound()
    {
        using var folder = new TestFolder(onDisk: false);
        using var store = NewStore(folder);
        using var writer = new HydrationWriter(store, Cluster, () => { }, "test");

        Assert.True(writer.TryReserve(4 * Cluster));
        Assert.False(writer.TryReserve(Cluster));
    }

    [Fact]
    public async Task A_copy_read_before_its_clusters_were_dropped_is_refused()
    {
        using var folder = new TestFolder(onDisk: false);
        using var store = NewStore(folder);
        using var writer = new HydrationWriter(store, 1024 * 1024, () => { }, "test");

        long epoch = store.Epoch;
        store.ForgetFrom(0); // e.g. the disk shrank below these clusters while their read ran
        var bytes = RandomBytes(Cluster, 2);
        Assert.True(writer.TryReserve(bytes.Length));
        writer.Queue(7, Rented(bytes), bytes.Length, epoch);
        await writer.DrainAsync();

        Assert.False(store.IsHydrated(7));
        Assert.Equal(0, store.Clusters);
    }

    [Fact]
    public async Task The_store_reports_when_it_has_no_room_left()
    {
        using var folder = new TestFolder(onDisk: false);
        using var store = new HydrationStore(folder.Combine("hydrated.data"), Shift, 1024, maxBytes: Cluster, reserveBytes: 0);
        int full = 0;
        using var writer = new HydrationWriter(store, 1024 * 1024, () => Interlocked.Increment(ref full), "test");

        for (int i = 0; i < 3; i++)
        {
            Assert.True(writer.TryReserve(Cluster));
            writer.Queue(i, Rented(RandomBytes(Cluster, i)), Cluster, store.Epoch);
        }

        await writer.DrainAsync();
        Assert.Equal(1, store.Clusters);
        Assert.Equal(2, full);
    }

    [Fact]
    public async Task After_dispose_copies_are_dropped_and_draining_completes()
    {
        using var folder = new TestFolder(onDisk: false);
        using var store = NewStore(folder);
        var writer = new HydrationWriter(store, 1024 * 1024, () => { }, "test");
        writer.Dispose();

        Assert.False(writer.TryReserve(Cluster));
        writer.Queue(1, Rented(RandomBytes(Cluster, 3)), Cluster, store.Epoch); // a read that reserved just before
        await writer.DrainAsync();
        Assert.False(store.IsHydrated(1));
        writer.Dispose();
    }

    private static HydrationStore NewStore(TestFolder folder) =>
        new(folder.Combine("hydrated.data"), Shift, 1024, maxBytes: 64L * Cluster, reserveBytes: 0);

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static byte[] Rented(byte[] content)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(content.Length);
        content.CopyTo(buffer, 0);
        return buffer;
    }
}
