using System.Net;
using Prometheus;

namespace Lifeboat.Metrics;

/// <summary>
/// /metrics for a process that has no web server of its own (<c>lifeboat mount-server --metrics-listen</c>):
/// prometheus-net's HttpListener exporter, which keeps ASP.NET Core out of the CLI. It has no authentication, so it
/// listens on loopback only.
/// </summary>
public sealed class StandaloneMetricsServer : IDisposable
{
    private readonly MetricsRegistry _registry;
    private readonly MetricServer _server;

    private StandaloneMetricsServer(MetricsRegistry registry, MetricServer server)
    {
        _registry = registry;
        _server = server;
    }

    /// <exception cref="ArgumentException"><paramref name="endPoint"/> is not a loopback address and a port.</exception>
    /// <exception cref="HttpListenerException">The port is taken.</exception>
    public static StandaloneMetricsServer Start(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        if (!IPAddress.IsLoopback(endPoint.Address) || endPoint.Port == 0)
            throw new ArgumentException($"Metrics are served without authentication, so only on a loopback address and a port such as 127.0.0.1:9108, not {endPoint}.");
        var host = endPoint.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{endPoint.Address}]" : endPoint.Address.ToString();
        var registry = new MetricsRegistry();
        var server = new MetricServer(host, endPoint.Port, MetricsRegistry.ScrapePath.TrimStart('/') + "/", registry.Registry);
        try
        {
            server.Start();
        }
        catch
        {
            server.Dispose();
            registry.Dispose();
            throw;
        }

        return new StandaloneMetricsServer(registry, server);
    }

    public void Dispose()
    {
        _server.Dispose();
        _registry.Dispose();
    }
}
