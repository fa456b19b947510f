using System.Text.Json;

namespace Lifeboat.Nbd.Tests;

/// <summary>Our server driven by real clients: qemu-io, qemu-img, nbdinfo, nbdcopy and fio's nbd engine.</summary>
public sealed class ServerPeerTests
{
    private const int MiB = 1024 * 1024;

    [Fact]
    public async Task Qemu_io_writes_and_reads_back_over_tcp_and_a_unix_socket()
    {
        using var folder = new TestFolder();
        await using var server = TestServer.Start(folder);
        var device = new MemoryBlockDevice(8 * MiB);
        server.Exports.Set("disk0", device);

        var tcp = await Tools.RunCheckedAsync("qemu-io", "-f", "raw",
            "-c", "write -P 0xab 1M 64k", "-c", "write -P 0xcd 2M 128k", "-c", "write -z 2M 128k", "-c", "write -P 0x11 3000 5000",
            "-c", "read -P 0xab 1M 64k", "-c", "read -P 0 2M 128k", "-c", "read -P 0x11 3000 5000", "-c", "flush",
            server.Url("disk0"));
        Assert.DoesNotContain("Pattern verification failed", tcp, StringComparison.Ordinal);
        Assert.Equal(0xab, device.Snapshot()[MiB + 100]);
        Assert.True(device.Flushes > 0);

        var unix = await Tools.RunCheckedAsync("qemu-io", "-f", "raw", "-c", "read -P 0xab 1M 64k", "-c", "write -P 0x77 4M 4k", server.UnixUrl("disk0"));
        Assert.DoesNotContain("Pattern verification failed", unix, StringComparison.Ordinal);
        Assert.Equal(0x77, device.Snapshot()[4 * MiB]);

        var info = await Tools.RunCheckedAsync("qemu-img", "info", "--output=json", server.Url("disk0"));
        Assert.Equal(8 * MiB, JsonDocument.Parse(info).RootElement.GetProperty("virtual-size").GetInt64());
    }

    [Fact]
    public async Task Nbdinfo_lists_the_exports_and_maps_base_allocation()
    {
        using var folder = new TestFolder();
        await using var server = TestServer.Start(folder);
        var device = new MemoryBlockDevice(4 * MiB);
        await device.WriteAsync(MiB, new byte[2 * MemoryBlockDevice.BlockSize].Select(_ => (byte)1).ToArray(), false, default);
        server.Exports.Set("alpha", device);
        server.Exports.Set("beta", new MemoryBlockDevice(MiB, readOnly: true));

        var list = await Tools.RunCheckedAsync("nbdinfo", "--list", "--json", $"nbd://127.0.0.1:{server.Port}");
        var exports = JsonDocument.Parse(list).RootElement.GetProperty("exports").EnumerateArray().ToArray();
        Assert.Equal(["alpha", "beta"], exports.Select(e => e.GetProperty("export-name").GetString()));
        Assert.Equal(4L * MiB, exports[0].GetProperty("export-size").GetInt64());
        Assert.True(exports[1].GetProperty("is_read_only").GetBoolean());
        // A device says whether its connections share one state; by default none is promised.
        Assert.False(exports[0].GetProperty("can_multi_conn").GetBoolean());

        var map = await Tools.RunCheckedAsync("nbdinfo", "--map", "--json", server.Url("alpha"));
        var extents = JsonDocument.Parse(map).RootElement.EnumerateArray()
            .Select(e => (e.GetProperty("offset").GetInt64(), e.GetProperty("length").GetInt64(), e.GetProperty("type").GetInt32()))
            .ToArray();
        Assert.Equal([(0L, 1L * MiB, 3), (1L * MiB, 128L * 1024, 0), (MiB + (128L * 1024), (3L * MiB) - (128 * 1024), 3)], extents);

        var unixMap = await Tools.RunCheckedAsync("nbdinfo", "--map", server.UnixUrl("alpha"));
        Assert.Contains("hole,zero", unixMap, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Nbdcopy_copies_bit_exact_both_ways()
    {
        using var folder = new TestFolder();
        await using var server = TestServer.Start(folder);
        var source = folder.Combine("source.raw");
        var content = new byte[6 * MiB];
        new Random(4).NextBytes(content.AsSpan(0, 2 * MiB));
        new Random(5).NextBytes(content.AsSpan(5 * MiB, MiB / 2));
        await File.WriteAllBytesAsync(source, content);
        var device = new MemoryBlockDevice(content.Length);
        server.Exports.Set("target", device);

        await Tools.RunCheckedAsync("nbdcopy", source, server.Url("target"));
        Assert.True(device.Snapshot().AsSpan().SequenceEqual(content));

        var back = folder.Combine("back.raw");
        await Tools.RunCheckedAsync("nbdcopy", "--connections=1", server.UnixUrl("target"), back);
        Assert.True((await File.ReadAllBytesAsync(back)).AsSpan().SequenceEqual(content));
    }

    [Fact]
    public async Task Fio_nbd_engine_writes_and_verifies_with_many_requests_in_flight()
    {
        using var folder = new TestFolder();
        await using var server = TestServer.Start(folder);
        var device = new MemoryBlockDevice(16 * MiB);
        server.Exports.Set("fio", device);
        var output = await Tools.RunCheckedAsync("fio", "--name=verify", "--ioengine=nbd", $"--uri={server.Url("fio")}",
            "--rw=randwrite", "--bs=4k", "--size=8M", "--iodepth=16", "--verify=crc32c", "--do_verify=1", "--output-format=json");
        var job = JsonDocument.Parse(output[output.IndexOf('{', StringComparison.Ordinal)..]).RootElement.GetProperty("jobs")[0];
        Assert.Equal(0, job.GetProperty("error").GetInt32());
        Assert.Equal(8 * MiB, job.GetProperty("write").GetProperty("io_bytes").GetInt64());
        Assert.Equal(8 * MiB, job.GetProperty("read").GetProperty("io_bytes").GetInt64());
    }
}
