using Lifeboat.Nbd.Client;
using Lifeboat.Nbd.Protocol;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Nbd.Tests;

/// <summary>Our client against our server: every command, replies out of order, device failures.</summary>
public sealed class ClientServerTests
{
    private const int MiB = 1024 * 1024;

    [Fact]
    public async Task Every_command_round_trips_with_replies_out_of_order()
    {
        using var folder = new TestFolder();
        await using var server = TestServer.Start(folder);
        var device = new MemoryBlockDevice(8 * MiB) { MaxDelayMilliseconds = 3 };
        server.Exports.Set("d", device);
        var options = new NbdClientOptions { MetaContexts = [NbdLimits.BaseAllocation, "qemu:dirty-bitmap:none"], MaxInFlight = 32, MaxRequestLength = 256 * 1024 };
        await using var client = await NbdClient.ConnectAsync(server.EndPoint, "d", options);
        Assert.Equal([NbdLimits.BaseAllocation], client.MetaContexts);
        Assert.Equal(8 * MiB, client.Size);

        var model = new byte[8 * MiB];
        var random = new Random(11);
        var tasks = new List<Task>();
        for (var i = 0; i < 64; i++)
        {
            var data = new byte[16 * 1024];
            random.NextBytes(data);
            var offset = i * 64L * 1024;
            data.CopyTo(model, offset);
            tasks.Add(client.WriteAsync(offset, data, fua: i % 8 == 0).AsTask());
        }

        await Task.WhenAll(tasks);
        Assert.Equal(8, device.FuaWrites);

        var back = new byte[8 * MiB];
        await client.ReadAsync(0, back);
        Assert.True(back.AsSpan().SequenceEqual(model));

        await client.WriteZeroesAsync(0, 128 * 1024);
        await client.TrimAsync(128 * 1024, 64 * 1024);
        await client.FlushAsync();
        Array.Clear(model, 0, 192 * 1024);
        await client.ReadAsync(0, back.AsMemory(0, MiB));
        Assert.True(back.AsSpan(0, MiB).SequenceEqual(model.AsSpan(0, MiB)));
        Assert.True(device.Flushes >= 1);

        var extents = await client.BlockStatusAsync(NbdLimits.BaseAllocation, 0, client.Size);
        Assert.Equal((0L, 192L * 1024, 3u), (extents[0].Offset, extents[0].Length, extents[0].Flags));
        Assert.Equal(8L * MiB, extents[^1].End);
        Assert.Contains(extents, e => e.Offset == 192 * 1024 && e.Flags == 0);
    }

    [Fact]
    public async Task A_failing_device_fails_that_request_with_eio_and_the_connection_goes_on()
    {
        using var folder = new TestFolder();
        await using var server = TestServer.Start(folder);
        var device = new MemoryBlockDevice(MiB) { FailingReads = (65536, 4096) };
        server.Exports.Set("bad", device);
        await using var client = await NbdClient.ConnectAsync(server.EndPoint, "bad");

        var exception = await Assert.ThrowsAsync<NbdException>(() => client.ReadAsync(65536, new byte[4096]).AsTask());
        Assert.Equal(NbdError.Io, exception.Error);
        Assert.Equal("bad", exception.ExportName);
        Assert.Equal(65536, exception.Offset);
        Assert.True(server.Logger.Contains(LogLevel.Error, "export 'bad' failed Read of 4096 bytes at offset 65536"));

        await client.WriteAsync(0, new byte[] { 1, 2, 3 });
        var data = new byte[3];
        await client.ReadAsync(0, data);
        Assert.Equal([1, 2, 3], data);
    }

    [Fact]
    public async Task A_read_only_export_refuses_writes_and_the_server_checks_ranges()
    {
        using var folder = new TestFolder();
        await using var server = TestServer.Start(folder);
        server.Exports.Set("ro", new MemoryBlockDevice(MiB, readOnly: true));
        await using var raw = await RawNbd.ConnectAsync(server.EndPoint);
        await raw.EnterTransmissionAsync("ro");

        await raw.SendRequestAsync(NbdCommand.Write, 1, 0, 4);
        await raw.SendAsync([1, 2, 3, 4]);
        Assert.Equal((NbdError.Perm, 1ul), await raw.ReadSimpleReplyAsync());

        await raw.SendRequestAsync(NbdCommand.Read, 2, MiB - 10, 20);
        Assert.Equal((NbdError.Inval, 2ul), await raw.ReadSimpleReplyAsync());

        await raw.SendRequestAsync(NbdCommand.BlockStatus, 3, 0, 4096);
        Assert.Equal((NbdError.Inval, 3ul), await raw.ReadSimpleReplyAsync());

        await raw.SendRequestAsync(NbdCommand.Read, 4, 0, 8);
        Assert.Equal((NbdError.None, 4ul), await raw.ReadSimpleReplyAsync());
        Assert.Equal(new byte[8], await raw.ReadAsync(8));
    }

    [Fact]
    public async Task Cancelling_a_read_leaves_the_connection_usable()
    {
        using var folder = new TestFolder();
        await using var server = TestServer.Start(folder);
        server.Exports.Set("slow", new MemoryBlockDevice(MiB) { MaxDelayMilliseconds = 50 });
        await using var client = await NbdClient.ConnectAsync(server.EndPoint, "slow");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(1));
        var buffers = Enumerable.Range(0, 8).Select(_ => new byte[4096]).ToArray();
        var reads = buffers.Select((b, i) => client.ReadAsync(i * 4096L, b, cancel.Token).AsTask()).ToArray();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Task.WhenAll(reads));

        var data = new byte[4096];
        await client.ReadAsync(0, data);
    }

    [Fact]
    public async Task An_empty_read_gets_a_none_chunk_and_a_host_name_connects()
    {
        using var folder = new TestFolder();
        await using var server = TestServer.Start(folder);
        server.Exports.Set("e", new MemoryBlockDevice(MiB));
        await using (var raw = await RawNbd.ConnectAsync(server.EndPoint))
        {
            await raw.EnterTransmissionAsync("e", structured: true);
            await raw.SendRequestAsync(NbdCommand.Read, 5, 0, 0);
            var chunk = await raw.ReadAsync(20);
            Assert.Equal(NbdMagic.StructuredReply, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(chunk));
            Assert.Equal((ushort)NbdReplyType.None, System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(chunk.AsSpan(6)));
            Assert.Equal(0u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(chunk.AsSpan(16)));
        }

        await using var client = await NbdClient.ConnectAsync(new System.Net.DnsEndPoint("localhost", server.Port), "e");
        Assert.Equal(MiB, client.Size);
    }

    [Fact]
    public async Task Lists_our_exports()
    {
        using var folder = new TestFolder();
        await using var server = TestServer.Start(folder);
        server.Exports.Set("b", new MemoryBlockDevice(4096));
        server.Exports.Set("a", new MemoryBlockDevice(4096));
        Assert.Equal(["a", "b"], await NbdClient.ListExportsAsync(server.EndPoint));
        Assert.Equal(["a", "b"], await NbdClient.ListExportsAsync(new System.Net.Sockets.UnixDomainSocketEndPoint(server.SocketPath)));
    }
}
