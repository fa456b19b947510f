using System.Diagnostics.Metrics;
using Prometheus;

namespace Lifeboat.Metrics;

/// <summary>
/// Publishes the process's Lifeboat meters in a prometheus-net registry, each instrument as the Prometheus kind it is
/// (prometheus-net's own MeterAdapter turns every counter into a gauge and drops a series after at most a day without
/// a measurement: a daily backup's counter would come and go). Observable instruments are read at each scrape.
/// </summary>
public sealed class PrometheusMeterBridge : IDisposable
{
    /// <summary>The meters bridged: those of Lifeboat's own rooms (Lifeboat.Nfs, Lifeboat.Disks, …).</summary>
    public const string MeterPrefix = "Lifeboat.";

    private readonly MeterListener _listener = new();
    private readonly MetricFactory _factory;
    private volatile bool _disposed;

    public PrometheusMeterBridge(CollectorRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        _factory = Prometheus.Metrics.WithCustomRegistry(registry);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name.StartsWith(MeterPrefix, StringComparison.Ordinal))
                listener.EnableMeasurementEvents(instrument, new BridgedInstrument(instrument, _factory));
        };
        _listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((BridgedInstrument)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, value, tags, state) => ((BridgedInstrument)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => ((BridgedInstrument)state!).Record(value, tags));
        _listener.Start();
        // A registry cannot forget a callback: a disposed bridge's does nothing.
        registry.AddBeforeCollectCallback(() =>
        {
            if (!_disposed)
                _listener.RecordObservableInstruments();
        });
    }

    public void Dispose()
    {
        _disposed = true;
        _listener.Dispose();
    }
}
