using System.Diagnostics.Metrics;
using Prometheus;

namespace Lifeboat.Metrics;

/// <summary>
/// One BCL instrument as a prometheus-net metric of its own kind: a Counter or ObservableCounter as a counter, a
/// Histogram as a histogram, anything else as a gauge. The metric is made at the first measurement, whose tag keys
/// become its label names; later measurements are matched to them by key. A measurement with one tag finds its series
/// by the tag value's reference (instruments make their tags once, so a procedure's name is always the same string):
/// no hashing of label values on the hot path.
/// </summary>
internal sealed class BridgedInstrument
{
    private readonly Instrument _instrument;
    private readonly MetricFactory _factory;
    private readonly InstrumentKind _kind;
    private readonly Lock _lock = new();
    private string[] _labelKeys = [];
    private Counter? _counter;
    private Gauge? _gauge;
    private Histogram? _histogram;
    private volatile bool _ready;
    private volatile bool _refused;

    // Copied on write: readers scan it without a lock.
    private volatile Series[] _series = [];

    [ThreadStatic]
    private static string[]? t_labelValues;

    public BridgedInstrument(Instrument instrument, MetricFactory factory)
    {
        _instrument = instrument;
        _factory = factory;
        _kind = KindOf(instrument);
        Name = PrometheusNames.Metric(instrument.Name, instrument.Unit, _kind is InstrumentKind.Counter or InstrumentKind.ObservableCounter);
    }

    // Beyond this many values of one tag (not Lifeboat's instruments), series are looked up by their label values.
    private const int MaxCachedSeries = 64;

    private enum InstrumentKind
    {
        Counter,
        ObservableCounter,
        UpDownCounter,
        Histogram,
        Gauge,
    }

    public string Name { get; }

    public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (!_ready && !TryCreate(tags))
            return;
        var child = tags.Length == 1 && _labelKeys.Length == 1 ? Cached(tags[0].Value) : Child(Labels(tags));
        switch (_kind)
        {
            case InstrumentKind.Counter:
                if (value > 0)
                    ((Counter.Child)child).Inc(value);
                break;
            case InstrumentKind.ObservableCounter:
                ((Counter.Child)child).IncTo(value);
                break;
            case InstrumentKind.UpDownCounter:
                ((Gauge.Child)child).Inc(value);
                break;
            case InstrumentKind.Histogram:
                ((Histogram.Child)child).Observe(value);
                break;
            default:
                ((Gauge.Child)child).Set(value);
                break;
        }
    }

    private object Child(ReadOnlySpan<string> labels) => _kind switch
    {
        InstrumentKind.Counter or InstrumentKind.ObservableCounter => _counter!.WithLabels(labels),
        InstrumentKind.Histogram => _histogram!.WithLabels(labels),
        _ => _gauge!.WithLabels(labels),
    };

    /// <summary>The series of a one-label measurement, found by the tag value's reference.</summary>
    private object Cached(object? tagValue)
    {
        var series = _series;
        foreach (var entry in series)
        {
            if (ReferenceEquals(entry.TagValue, tagValue))
                return entry.Child;
        }

        var value = tagValue as string ?? tagValue?.ToString() ?? "";
        var child = Child([value]);
        if (series.Length < MaxCachedSeries && tagValue is string)
        {
            lock (_lock)
                _series = [.. _series, new Series(tagValue, child)];
        }

        return child;
    }

    private static InstrumentKind KindOf(Instrument instrument)
    {
        var type = instrument.GetType();
        var definition = type.IsGenericType ? type.GetGenericTypeDefinition() : type;
        if (definition == typeof(Counter<>))
            return InstrumentKind.Counter;
        if (definition == typeof(ObservableCounter<>))
            return InstrumentKind.ObservableCounter;
        if (definition == typeof(UpDownCounter<>))
            return InstrumentKind.UpDownCounter;
        if (definition == typeof(Histogram<>))
            return InstrumentKind.Histogram;
        return InstrumentKind.Gauge;
    }

    /// <summary>The values of the measurement's tags in label order; a label the measurement lacks is empty.</summary>
    private ReadOnlySpan<string> Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var keys = _labelKeys;
        if (keys.Length == 0)
            return [];
        var values = t_labelValues is { } buffer && buffer.Length >= keys.Length ? buffer : t_labelValues = new string[Math.Max(8, keys.Length)];
        for (var i = 0; i < keys.Length; i++)
        {
            object? value = null;
            if (i < tags.Length && string.Equals(tags[i].Key, keys[i], StringComparison.Ordinal))
            {
                value = tags[i].Value;
            }
            else
            {
                foreach (var tag in tags)
                {
                    if (string.Equals(tag.Key, keys[i], StringComparison.Ordinal))
                        value = tag.Value;
                }
            }

            values[i] = value as string ?? value?.ToString() ?? "";
        }

        return values.AsSpan(0, keys.Length);
    }

    private bool TryCreate(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (_refused)
            return false;
        lock (_lock)
        {
            if (_ready)
                return true;
            var keys = new string[tags.Length];
            for (var i = 0; i < tags.Length; i++)
                keys[i] = tags[i].Key;
            var labelNames = keys.Select(PrometheusNames.Label).ToArray();
            var help = string.IsNullOrWhiteSpace(_instrument.Description) ? _instrument.Name : _instrument.Description;
            try
            {
                switch (_kind)
                {
                    case InstrumentKind.Counter or InstrumentKind.ObservableCounter:
                        _counter = _factory.CreateCounter(Name, help, labelNames);
                        break;
                    case InstrumentKind.Histogram:
                        _histogram = _factory.CreateHistogram(Name, help, labelNames, new HistogramConfiguration { Buckets = HistogramBuckets.For(_instrument) });
                        break;
                    default:
                        _gauge = _factory.CreateGauge(Name, help, labelNames);
                        break;
                }
            }
            catch (InvalidOperationException)
            {
                // Another instrument already took the name with other labels: the first one keeps it.
                _refused = true;
                return false;
            }

            _labelKeys = keys;
            _ready = true;
            return true;
        }
    }

    private readonly record struct Series(object TagValue, object Child);
}
