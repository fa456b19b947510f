using Lifeboat.Nbd.Client;
using Lifeboat.Nbd.Protocol;

namespace Lifeboat.Nbd.Tests;

/// <summary>Our client against real servers: qemu-nbd (raw and qcow2 with a dirty bitmap) and nbdkit.</summary>
public sealed class ClientPeerTests
{
    private const int MiB = 1024 * 1024;

    [Fact]
    public async Task Reads_and_writes_a_raw_file_served_by_qemu_nbd()
    {
        using var folder = new TestFolder();
        var image = folder.Combine("disk.raw");
        var content = new byte[4 * MiB];
        new Random(1).NextBytes(content);
        await File.WriteAllBytesAsync(image, content);
        await using var peer = await PeerServer.QemuNbdAsync(folder, image, "raw", "disk0");

        await using (var client = await NbdClient.ConnectAsync(peer.EndPoint, "disk0"))
        {
            Assert.Equal(content.Length, client.Size);
            Assert.Empty(client.MetaContexts);

            var whole = new byte[content.Length];
            await client.ReadAsync(0, whole);
            Assert.Equal(content, whole);

            var part = new byte[5000];
            await client.ReadAsync(123_457, part);
            Assert.True(part.AsSpan().SequenceEqual(content.AsSpan(123_457, 5000)));

            var written = new byte[70_000];
            new Random(2).NextBytes(written);
            await client.WriteAsync(MiB + 3, written, fua: true);
            written.CopyTo(content, MiB + 3);
            await client.WriteZeroesAsync(2 * MiB, 65536);
            Array.Clear(content, 2 * MiB, 65536);
            await client.TrimAsync(3 * MiB, 4096);
            await client.FlushAsync();

            await client.ReadAsync(0, whole);
            Assert.True(whole.AsSpan(0, 3 * MiB).SequenceEqual(content.AsSpan(0, 3 * MiB)));
        }

        var onDisk = await File.ReadAllBytesAsync(image);
        Assert.True(onDisk.AsSpan(0, 3 * MiB).SequenceEqual(content.AsSpan(0, 3 * MiB)));
    }

    [Fact]
    public async Task Reads_a_qemu_dirty_bitmap_through_its_meta_context()
    {
        using var folder = new TestFolder();
        var image = folder.Combine("disk.qcow2");
        await Tools.RunCheckedAsync("qemu-img", "create", "-q", "-f", "qcow2", image, "8M");
        await Tools.RunCheckedAsync("qemu-img", "bitmap", "--add", "--enable", "-g", "65536", image, "backup0");
        await Tools.RunCheckedAsync("qemu-io", "-f", "qcow2", "-c", "write -P 0x5a 1M 64k", "-c", "write -P 0x33 5M 4k", image);
        await using var peer = await PeerServer.QemuNbdAsync(folder, image, "qcow2", "vm", "-B", "backup0", "-r");

        var options = new NbdClientOptions { MetaContexts = ["base:allocation", "qemu:dirty-bitmap:backup0"] };
        await using var client = await NbdClient.ConnectAsync(peer.EndPoint, "vm", options);
        Assert.Equal(["base:allocation", "qemu:dirty-bitmap:backup0"], client.MetaContexts.Order());

        var dirty = await client.BlockStatusAsync("qemu:dirty-bitmap:backup0", 0, client.Size);
        Assert.Equal(0, dirty[0].Offset);
        Assert.Equal(client.Size, dirty[^1].End);
        Assert.Equal([(1L * MiB, 65536L), (5L * MiB, 65536L)], dirty.Where(e => (e.Flags & 1) != 0).Select(e => (e.Offset, e.Length)));

        var allocation = await client.BlockStatusAsync(NbdLimits.BaseAllocation, 0, client.Size);
        Assert.Contains(allocation, e => e.Offset <= MiB && e.End >= MiB + 65536 && (e.Flags & (uint)NbdAllocationFlags.Hole) == 0);
        Assert.Contains(allocation, e => e.Offset == 0 && (e.Flags & (uint)NbdAllocationFlags.Zero) != 0);

        var data = new byte[65536];
        await client.ReadAsync(MiB, data);
        Assert.All(data, b => Assert.Equal(0x5a, b));

        var exception = await Assert.ThrowsAsync<NbdException>(() => client.WriteAsync(0, new byte[512]).AsTask());
        Assert.Equal(NbdError.Perm, exception.Error);
    }

    [Fact]
    public async Task Pipelines_many_requests_against_nbdkit_memory()
    {
        using var folder = new TestFolder();
        await using var peer = await NbdkitAsync(folder, "memory", "16M");
        await using var client = await NbdClient.ConnectAsync(peer.EndPoint, "", new NbdClientOptions { MaxInFlight = 32 });
        var model = new byte[16 * MiB];
        var random = new Random(3);

        // Disjoint 64 KiB slots written concurrently, then read back concurrently.
        var slots = Enumerable.Range(0, 256).ToArray();
        random.Shuffle(slots);
        var writes = slots.Select(slot =>
        {
            var data = new byte[65536];
            random.NextBytes(data);
            data.CopyTo(model, slot * 65536L);
            return client.WriteAsync(slot * 65536L, data).AsTask();
        });
        await Task.WhenAll(writes);

        var reads = slots.Select(async slot =>
        {
            var data = new byte[65536];
            await client.ReadAsync(slot * 65536L, data);
            Assert.True(data.AsSpan().SequenceEqual(model.AsSpan(slot * 65536, 65536)), $"slot {slot}");
        });
        await Task.WhenAll(reads);

        // A read larger than one request is split and reassembled.
        var big = new byte[16 * MiB];
        await client.ReadAsync(0, big);
        Assert.True(big.AsSpan().SequenceEqual(model));
    }

    [Fact]
    public async Task Lists_the_exports_of_qemu_nbd()
    {
        using var folder = new TestFolder();
        var image = folder.Combine("d.raw");
        await File.WriteAllBytesAsync(image, new byte[65536]);
        await using var peer = await PeerServer.QemuNbdAsync(folder, image, "raw", "the-export");
        Assert.Equal(["the-export"], await NbdClient.ListExportsAsync(peer.EndPoint));
    }

    [Fact]
    public async Task A_read_past_the_end_names_the_export_and_offset()
    {
        using var folder = new TestFolder();
        await using var peer = await NbdkitAsync(folder, "memory", "1M");
        await using var client = await NbdClient.ConnectAsync(peer.EndPoint, "");
        var exception = await Assert.ThrowsAsync<NbdException>(() => client.ReadAsync(MiB - 100, new byte[4096]).AsTask());
        Assert.Equal(MiB - 100, exception.Offset);
        Assert.Contains("1048476", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_error_reply_fails_that_request_only()
    {
        using var folder = new TestFolder();
        // nbdkit's error filter fails every read with EIO, and no write.
        await using var peer = await NbdkitAsync(folder, "--filter=error", "memory", "1M", "error-pread=EIO", "error-pread-rate=100%");
        await using var client = await NbdClient.ConnectAsync(peer.EndPoint, "");
        var exception = await Assert.ThrowsAsync<NbdException>(() => client.ReadAsync(8192, new byte[4096]).AsTask());
        Assert.Equal(NbdError.Io, exception.Error);
        Assert.Equal(8192, exception.Offset);
        Assert.Contains("offset 8192", exception.Message, StringComparison.Ordinal);

        await client.WriteAsync(0, new byte[4096]);
        await client.FlushAsync();
    }

    [Fact]
    public async Task Asking_for_a_missing_export_fails_with_its_name()
    {
        using var folder = new TestFolder();
        var image = folder.Combine("d.raw");
        await File.WriteAllBytesAsync(image, new byte[65536]);
        await using var peer = await PeerServer.QemuNbdAsync(folder, image, "raw", "present");
        var exception = await Assert.ThrowsAsync<NbdException>(() => NbdClient.ConnectAsync(peer.EndPoint, "absent"));
        Assert.Equal("absent", exception.ExportName);
        Assert.Contains("ErrUnknown", exception.Message, StringComparison.Ordinal);
    }

    private static Task<PeerServer> NbdkitAsync(TestFolder folder, params string[] arguments) => PeerServer.NbdkitAsync(folder, arguments);
}
