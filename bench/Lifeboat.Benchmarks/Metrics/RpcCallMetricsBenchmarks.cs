using System.Diagnostics;
using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using Lifeboat.OncRpc.Portmap;
using Lifeboat.OncRpc.Rpc;
using Lifeboat.Metrics;

namespace Lifeboat.Benchmarks.Metrics;

/// <summary>
/// What recording one RPC reply costs (the counter and the latency histogram of its procedure): with nobody
/// listening, and with the server's exporter (<see cref="PrometheusMeterBridge"/> into a prometheus-net registry).
/// Run: dotnet run -c Release -- --filter '*RpcCallMetrics*' --job short --inProcess
/// </summary>
[MemoryDiagnoser]
public class RpcCallMetricsBenchmarks
{
    private const int CallsPerInvoke = 1024;

    private Meter _meter = null!;
    private RpcCallMetrics _metrics = null!;
    private MetricsRegistry? _exporter;
    private long _receivedAt;

    [Params(false, true)]
    public bool Exported { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _meter = new Meter("Lifeboat.Bench." + Guid.NewGuid().ToString("N"));
        _exporter = Exported ? new MetricsRegistry() : null;
        _metrics = RpcCallMetrics.For<PortmapProcedure>(_meter, "bench");
        _receivedAt = Stopwatch.GetTimestamp();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _exporter?.Dispose();
        _meter.Dispose();
    }

    [Benchmark(OperationsPerInvoke = CallsPerInvoke)]
    public void Record()
    {
        for (var i = 0; i < CallsPerInvoke; i++)
            _metrics.Record((uint)(i & 3), _receivedAt);
    }
}
