using Lifeboat.Nbd.Protocol;
using Lifeboat.Nbd.Server;

namespace Lifeboat.Nbd.Tests;

/// <summary>A large READ's reply leaves as soon as it is read, not after the requests that arrived with it.</summary>
public sealed class LargeReadTests
{
    [Fact]
    public async Task A_large_reads_reply_leaves_before_the_requests_behind_it_have_run()
    {
        using var folder = new TestFolder();
        await using var server = TestServer.Start(folder);
        using var device = new SmallReadsWaitForLargeReplies(8 * 1024 * 1024);
        server.Exports.Set("d", device);
        await using var client = await RawNbd.ConnectAsync(server.EndPoint);
        await client.EnterTransmissionAsync("d");

        // Both requests in one write, so the server reads them in one batch: the small read then holds the read loop
        // until the client has the large read's reply, which it would get only at the end of the batch if it waited.
        var both = new byte[2 * 28];
        new NbdRequestHeader(NbdCommandFlags.None, NbdCommand.Read, 1, 1024 * 1024, NbdConnection.SendAtOnceBytes).Write(both);
        new NbdRequestHeader(NbdCommandFlags.None, NbdCommand.Read, 2, 0, 4096).Write(both.AsSpan(28));
        await client.SendAsync(both);
        var (largeError, largeCookie) = await client.ReadSimpleReplyAsync().WaitAsync(TimeSpan.FromMinutes(1));
        var large = await client.ReadAsync(NbdConnection.SendAtOnceBytes);
        device.LargeReplyArrived();
        var (smallError, smallCookie) = await client.ReadSimpleReplyAsync().WaitAsync(TimeSpan.FromMinutes(1));
        var small = await client.ReadAsync(4096);

        Assert.Equal((NbdError.None, 1UL, NbdError.None, 2UL), (largeError, largeCookie, smallError, smallCookie));
        Assert.False(device.SmallReadTimedOut);
        Assert.All(large, b => Assert.Equal(1, b));
        Assert.All(small, b => Assert.Equal(1, b));
    }

    /// <summary>Every byte reads as 1, at once; a small read blocks its thread until the test says the large reply arrived.</summary>
    private sealed class SmallReadsWaitForLargeReplies(long size) : INbdBlockDevice, IDisposable
    {
        private readonly ManualResetEventSlim _largeReplyArrived = new();

        public long Size => size;

        public bool IsReadOnly => true;

        public bool SmallReadTimedOut { get; private set; }

        public void LargeReplyArrived() => _largeReplyArrived.Set();

        public ValueTask ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
        {
            if (destination.Length < NbdConnection.SendAtOnceBytes)
                SmallReadTimedOut = !_largeReplyArrived.Wait(TimeSpan.FromSeconds(20), cancellationToken);
            destination.Span.Fill(1);
            return ValueTask.CompletedTask;
        }

        public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, bool fua, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask WriteZeroesAsync(long offset, long length, bool mayPunchHole, CancellationToken cancellationToken) => throw new NotSupportedException();

        public void Dispose() => _largeReplyArrived.Dispose();
    }
}
