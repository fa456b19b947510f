using Lifeboat.Nbd.Server;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Fuzz;

/// <summary>
/// NBD client streams (handshake options, then requests) through the real <c>NbdConnection</c> in memory, cut at
/// random offsets, half of them mutated. No input makes a connection throw, hang or log an unexpected failure,
/// and what the server writes is bounded by what it was asked.
/// </summary>
public sealed class NbdConnectionFuzzTests
{
    private static readonly TimeSpan InputTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Refragmented_and_mutated_streams_never_crash_a_connection()
    {
        var exports = new NbdExportTable();
        exports.Set(NbdStreamGenerator.Export, new MemoryDevice(NbdStreamGenerator.DiskSize));
        var log = new CountingLogger<NbdServer>();
        await using var server = new NbdServer(exports, new NbdServerOptions { HandshakeTimeout = InputTimeout }, log);
        var inputs = Math.Max(1, FuzzRun.Inputs(100_000) / 5);
        var seed = FuzzRun.Seed(20261208);
        await Parallel.ForAsync(0, 2, async (worker, _) =>
        {
            var random = new Random(seed + worker);
            for (var i = worker; i < inputs; i += 2)
            {
                var stream = NbdStreamGenerator.Next(random);
                var input = random.Next(2) == 0 ? Mutations.Mutate(random, stream) : stream;
                byte[] output;
                try
                {
                    output = await PipeExchange.RunAsync(server.ServeAsync, Mutations.Split(random, input), InputTimeout);
                }
                catch (Exception ex)
                {
                    throw new InvalidOperationException($"Input {Convert.ToHexString(input)} broke its connection.", ex);
                }

                // Eight requests of at most 70,000 bytes each, and the handshake's few replies.
                Assert.True(output.Length < (8 * 70_100) + 4096, $"Input {Convert.ToHexString(input)} got {output.Length} bytes back.");
            }
        });

        Assert.True(log.FirstCritical is null, $"A connection logged a failure: {log.FirstCritical}");
        Assert.Equal(0, log.Count(LogLevel.Critical));
    }

    private sealed class MemoryDevice(int size) : INbdBlockDevice
    {
        private readonly byte[] _data = new byte[size];

        public long Size => _data.Length;

        public bool IsReadOnly => false;

        public bool CanTrim => true;

        public ValueTask ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
        {
            lock (_data)
            {
                _data.AsSpan((int)offset, destination.Length).CopyTo(destination.Span);
            }

            return ValueTask.CompletedTask;
        }

        public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, bool fua, CancellationToken cancellationToken)
        {
            lock (_data)
            {
                data.Span.CopyTo(_data.AsSpan((int)offset));
            }

            return ValueTask.CompletedTask;
        }

        public ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask WriteZeroesAsync(long offset, long length, bool mayPunchHole, CancellationToken cancellationToken)
        {
            lock (_data)
            {
                _data.AsSpan((int)offset, (int)length).Clear();
            }

            return ValueTask.CompletedTask;
        }
    }
}
