using Prometheus;

namespace Lifeboat.Server.Metrics;

/// <summary>
/// What /metrics exports: the Lifeboat meters through the bridge, and prometheus-net's process metrics (CPU, memory,
/// GC, threads); one per process.
/// </summary>
public sealed class MetricsRegistry : IDisposable
{
    private readonly PrometheusMeterBridge _bridge;

    public MetricsRegistry()
    {
        Registry = Prometheus.Metrics.NewCustomRegistry();
        DotNetStats.Register(Registry);
        _bridge = new PrometheusMeterBridge(Registry);
    }

    public CollectorRegistry Registry { get; }

    public void Dispose() => _bridge.Dispose();
}
