using BenchmarkDotNet.Attributes;

namespace Lifeboat.Benchmarks.Transport;

/// <summary>
/// 4 KiB NFS READs and NBD READs answered from an in-memory disk with <see cref="Depth"/> in flight on one
/// loopback connection: the connection code's cost per READ (client and server share the process).
/// Run: dotnet run -c Release -- --filter '*ReadCpu*' --job short --inProcess; `readcpu` prints CPU time per READ.
/// </summary>
[MemoryDiagnoser]
public class ReadCpuBenchmarks
{
    private const int ReadsPerInvoke = 1024;

    private ReadServers _servers = null!;

    [Params(1, 16)]
    public int Depth { get; set; }

    [GlobalSetup]
    public async Task SetupAsync() => _servers = await ReadServers.StartAsync(Depth);

    [GlobalCleanup]
    public async Task CleanupAsync() => await _servers.DisposeAsync();

    [Benchmark(OperationsPerInvoke = ReadsPerInvoke)]
    public void NfsRead()
    {
        for (var round = 0; round < ReadsPerInvoke / Depth; round++)
        {
            _servers.NfsRound();
        }
    }

    [Benchmark(OperationsPerInvoke = ReadsPerInvoke)]
    public void NbdRead()
    {
        for (var round = 0; round < ReadsPerInvoke / Depth; round++)
        {
            _servers.NbdRound();
        }
    }
}
