using Lifeboat.Nbd.Client;
using Lifeboat.Nbd.Server;

namespace Lifeboat.Nbd.Tests;

/// <summary>Large READs run off the connection's read loop, so the requests behind them are read and answered meanwhile.</summary>
public sealed class LargeReadTests
{
    [Fact]
    public async Task A_large_read_that_blocks_its_thread_does_not_hold_the_small_reads_behind_it()
    {
        using var folder = new TestFolder();
        await using var server = TestServer.Start(folder);
        using var device = new SmallReadsReleaseLargeOnes(8 * 1024 * 1024);
        server.Exports.Set("d", device);
        var options = new NbdClientOptions { MaxInFlight = 8, MaxRequestLength = 1024 * 1024 };
        await using var client = await NbdClient.ConnectAsync(server.EndPoint, "d", options);

        // The large read blocks its thread until a small read arrives: on the read loop it would wait in vain.
        var large = new byte[NbdConnection.OffLoopReadBytes];
        var largeRead = client.ReadAsync(1024 * 1024, large).AsTask();
        await device.LargeReadStarted.WaitAsync(TimeSpan.FromMinutes(1));
        var small = new byte[4096];
        await client.ReadAsync(0, small).AsTask().WaitAsync(TimeSpan.FromMinutes(1));
        await largeRead.WaitAsync(TimeSpan.FromMinutes(1));

        Assert.All(small, b => Assert.Equal(1, b));
        Assert.All(large, b => Assert.Equal(1, b));
        Assert.False(device.LargeReadTimedOut);
    }

    /// <summary>Every byte reads as 1; a large read blocks its thread (as a synchronous pread may) until a small read has run.</summary>
    private sealed class SmallReadsReleaseLargeOnes(long size) : INbdBlockDevice, IDisposable
    {
        private readonly ManualResetEventSlim _smallReadSeen = new();
        private readonly TaskCompletionSource _largeReadStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long Size => size;

        public bool IsReadOnly => true;

        public Task LargeReadStarted => _largeReadStarted.Task;

        public bool LargeReadTimedOut { get; private set; }

        public ValueTask ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
        {
            if (destination.Length >= NbdConnection.OffLoopReadBytes)
            {
                _largeReadStarted.TrySetResult();
                LargeReadTimedOut = !_smallReadSeen.Wait(TimeSpan.FromSeconds(30), cancellationToken);
            }
            else
            {
                _smallReadSeen.Set();
            }

            destination.Span.Fill(1);
            return ValueTask.CompletedTask;
        }

        public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, bool fua, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask WriteZeroesAsync(long offset, long length, bool mayPunchHole, CancellationToken cancellationToken) => throw new NotSupportedException();

        public void Dispose() => _smallReadSeen.Dispose();
    }
}
