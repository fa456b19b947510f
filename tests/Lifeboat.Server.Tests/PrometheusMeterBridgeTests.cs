using System.Diagnostics.Metrics;
using System.Text;
using Lifeboat.Metrics;
using Prometheus;

namespace Lifeboat.Server.Tests;

/// <summary>
/// BCL instruments exported through the bridge into a registry of the test's own, the text checked with the
/// Prometheus project's parser: each instrument keeps its kind, its tags become labels, observables are read at scrape.
/// </summary>
public sealed class PrometheusMeterBridgeTests
{
    [Fact]
    public async Task Each_instrument_is_exported_as_its_own_prometheus_kind()
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        var registry = Prometheus.Metrics.NewCustomRegistry();
        using var bridge = new PrometheusMeterBridge(registry);
        using var meter = new Meter("Lifeboat.Test." + id);
        var prefix = $"lifeboat.t{id}";
        var calls = meter.CreateCounter<long>($"{prefix}.calls", "{call}", "Calls.");
        var latency = meter.CreateHistogram<double>($"{prefix}.latency", "s", "Latency.");
        var sized = meter.CreateHistogram<long>($"{prefix}.size", "By", "Sizes.", tags: null,
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [10, 100] });
        var queue = meter.CreateUpDownCounter<int>($"{prefix}.queue", "{item}", "Queued.");
        long observed = 41;
        meter.CreateObservableCounter($"{prefix}.seen", () => observed, "{item}", "Seen.");
        meter.CreateObservableGauge($"{prefix}.share", () => 0.25, "1", "Share.");

        calls.Add(2, new KeyValuePair<string, object?>("procedure", "READ"));
        calls.Add(3, new KeyValuePair<string, object?>("procedure", "READ"));
        calls.Add(1, new KeyValuePair<string, object?>("procedure", "WRITE"));
        latency.Record(0.0003, new KeyValuePair<string, object?>("procedure", "READ"));
        latency.Record(0.2, new KeyValuePair<string, object?>("procedure", "READ"));
        sized.Record(50);
        queue.Add(5);
        queue.Add(-2);
        observed = 42;

        var scrape = PrometheusScrape.Parse(await ExportAsync(registry));
        var name = $"lifeboat_t{id}";
        Assert.Equal("counter", scrape.TypeOf($"{name}_calls"));
        Assert.Equal(5, scrape.Value($"{name}_calls_total", ("procedure", "READ")));
        Assert.Equal(1, scrape.Value($"{name}_calls_total", ("procedure", "WRITE")));

        Assert.Equal("histogram", scrape.TypeOf($"{name}_latency_seconds"));
        Assert.Equal(2, scrape.Value($"{name}_latency_seconds_count", ("procedure", "READ")));
        Assert.Equal(0.2003, scrape.Value($"{name}_latency_seconds_sum", ("procedure", "READ")), 9);
        // Latency buckets from 50 µs: the 0.3 ms call is under 0.5 ms, the 200 ms one only from 0.25 s.
        Assert.Equal(0, scrape.Value($"{name}_latency_seconds_bucket", ("procedure", "READ"), ("le", "0.00025")));
        Assert.Equal(1, scrape.Value($"{name}_latency_seconds_bucket", ("procedure", "READ"), ("le", "0.0005")));
        Assert.Equal(1, scrape.Value($"{name}_latency_seconds_bucket", ("procedure", "READ"), ("le", "0.1")));
        Assert.Equal(2, scrape.Value($"{name}_latency_seconds_bucket", ("procedure", "READ"), ("le", "0.25")));
        Assert.Contains($"{name}_latency_seconds_bucket{{procedure=\"READ\",le=\"5e-05\"}}", scrape.Text, StringComparison.Ordinal);

        // The instrument's own advice decides its buckets.
        Assert.Contains($"{name}_size_bytes_bucket{{le=\"10\"}} 0", scrape.Text, StringComparison.Ordinal);
        Assert.Equal(1, scrape.Value($"{name}_size_bytes_bucket", ("le", "100")));
        Assert.DoesNotContain($"{name}_size_bytes_bucket{{le=\"0.005\"}}", scrape.Text, StringComparison.Ordinal);

        Assert.Equal("gauge", scrape.TypeOf($"{name}_queue"));
        Assert.Equal(3, scrape.Value($"{name}_queue"));
        Assert.Equal("counter", scrape.TypeOf($"{name}_seen"));
        Assert.Equal(42, scrape.Value($"{name}_seen_total"));
        Assert.Equal("gauge", scrape.TypeOf($"{name}_share_ratio"));
        Assert.Equal(0.25, scrape.Value($"{name}_share_ratio"));

        // Observables are read again at every scrape.
        observed = 50;
        Assert.Equal(50, PrometheusScrape.Parse(await ExportAsync(registry)).Value($"{name}_seen_total"));
    }

    [Fact]
    public async Task Meters_other_than_lifeboats_are_left_out()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        using var bridge = new PrometheusMeterBridge(registry);
        using var meter = new Meter("Other.Library." + Guid.NewGuid().ToString("N"));
        meter.CreateCounter<long>("other.calls").Add(1);
        Assert.DoesNotContain("other_calls", await ExportAsync(registry), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_disposed_bridge_stops_measuring()
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var bridge = new PrometheusMeterBridge(registry);
        using var meter = new Meter("Lifeboat.Test." + id);
        var calls = meter.CreateCounter<long>($"lifeboat.t{id}.calls");
        calls.Add(1);
        bridge.Dispose();
        calls.Add(1);
        Assert.Equal(1, PrometheusScrape.Parse(await ExportAsync(registry)).Value($"lifeboat_t{id}_calls_total"));
    }

    private static async Task<string> ExportAsync(CollectorRegistry registry)
    {
        using var stream = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
