using Prometheus;

namespace Lifeboat.Metrics;

/// <summary>
/// What /metrics exports: the Lifeboat meters through the bridge, and prometheus-net's process metrics (CPU, memory,
/// GC, threads); one per process.
/// </summary>
public sealed class MetricsRegistry : IDisposable
{
    /// <summary>Where a process serves its registry: the ASP.NET endpoint of the server and the standalone exporter alike.</summary>
    public const string ScrapePath = "/metrics";

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
