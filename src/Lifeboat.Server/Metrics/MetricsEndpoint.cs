using Lifeboat.Metrics;
using Lifeboat.Server.Data;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Prometheus;

namespace Lifeboat.Server.Metrics;

/// <summary>GET /metrics: every Lifeboat meter of the process in the Prometheus text format (OpenMetrics when asked).</summary>
public static class MetricsEndpoint
{
    public const string Path = MetricsRegistry.ScrapePath;

    /// <summary>Maps the endpoint; the returned builder is where authorization is required of its callers.</summary>
    public static IEndpointConventionBuilder Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var exporter = app.Services.GetRequiredService<MetricsRegistry>();
        ServerMetrics.CountSessionsIn(app.Services.GetRequiredService<SessionStore>());
        return app.MapMetrics(settings => settings.Registry = exporter.Registry, Path)
            .WithTags("Server")
            .WithSummary("Metrics in the Prometheus text format: NFS and NBD operations, disks, publications, sessions, backups, verifications.");
    }
}
