using Lifeboat.Nbd.Client;
using Lifeboat.Nbd.Protocol;
using Lifeboat.Nbd.Server;
using Lifeboat.Transport;

namespace Lifeboat.Nbd.Tests;

/// <summary>
/// A connection's read loop on a thread of its own (<see cref="NbdServerOptions.ThreadPerConnection"/>, off by default):
/// a lone request is served inline on that thread, never on a thread-pool worker, and a stop wakes connections idle
/// in poll(2). Malformed and oversized requests, with and without the thread: <see cref="HostileClientTests"/>.
/// </summary>
public sealed class OwnThreadConnectionTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task A_lone_request_is_served_inline_on_its_connections_own_thread()
    {
        using var folder = new TestFolder();
        await using var server = TestServer.Start(folder, options => options.ThreadPerConnection = true);
        var device = new ThreadRecordingDevice();
        server.Exports.Set("d", device);
        await using var first = await NbdClient.ConnectAsync(server.EndPoint, "d");
        await using var second = await NbdClient.ConnectAsync(server.EndPoint, "d");
        await using var overUnix = await NbdClient.ConnectAsync(new System.Net.Sockets.UnixDomainSocketEndPoint(server.SocketPath), "d");

        var a = await WhichThreadAsync(first, device);
        var b = await WhichThreadAsync(first, device);
        var c = await WhichThreadAsync(second, device);
        var u = await WhichThreadAsync(overUnix, device);

        Assert.All([a, c, u], read => Assert.Equal((true, false), (read.OnReadLoop, read.PoolThread)));
        Assert.StartsWith("NBD ", a.Name);
        Assert.Equal(a.Thread, b.Thread);
        Assert.NotEqual(a.Thread, c.Thread);
        Assert.NotEqual(a.Thread, u.Thread);
    }

    [Fact]
    public async Task Stopping_wakes_the_connections_waiting_for_their_next_request()
    {
        using var folder = new TestFolder();
        await using var server = TestServer.Start(folder, options => options.ThreadPerConnection = true);
        server.Exports.Set("x", new MemoryBlockDevice(65536));
        await using var first = await RawNbd.ConnectAsync(server.EndPoint);
        await using var second = await RawNbd.ConnectAsync(server.EndPoint);
        foreach (var connection in new[] { first, second })
        {
            await connection.EnterTransmissionAsync("x");
            await connection.SendRequestAsync(NbdCommand.Flush, 7, 0, 0);
            Assert.Equal((NbdError.None, 7ul), await connection.ReadSimpleReplyAsync());
        }

        await server.Tcp.StopAsync().WaitAsync(Patience);

        Assert.Equal(0, server.Tcp.ConnectionCount);
        Assert.True(await first.IsClosedByServerAsync());
        Assert.True(await second.IsClosedByServerAsync());
    }

    private static async Task<ThreadRecordingDevice.Read> WhichThreadAsync(NbdClient client, ThreadRecordingDevice device)
    {
        await client.ReadAsync(0, new byte[4096]);
        return device.Last!;
    }

    /// <summary>Reads zeroes at once and remembers on which thread the last read ran.</summary>
    private sealed class ThreadRecordingDevice : INbdBlockDevice
    {
        public long Size => 1024 * 1024;

        public bool IsReadOnly => true;

        public bool CanFlush => false;

        public Read? Last { get; private set; }

        public ValueTask ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
        {
            var thread = Thread.CurrentThread;
            Last = new Read(ReadLoop.IsCurrentThread, thread.IsThreadPoolThread, thread.ManagedThreadId, thread.Name ?? "");
            destination.Span.Clear();
            return ValueTask.CompletedTask;
        }

        public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, bool fua, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public ValueTask FlushAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask WriteZeroesAsync(long offset, long length, bool mayPunchHole, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public sealed record Read(bool OnReadLoop, bool PoolThread, int Thread, string Name);
    }
}
