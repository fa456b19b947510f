using System.Diagnostics.Metrics;

namespace Lifeboat.Metrics;

/// <summary>The buckets a bridged histogram gets: the instrument's own advice, else latency buckets for seconds.</summary>
internal static class HistogramBuckets
{
    /// <summary>
    /// 50 µs to 10 s: an NFS GETATTR answered from memory takes tens of microseconds, a READ decoded from the backup a
    /// few milliseconds, a COMMIT that syncs the write cache up to a second.
    /// </summary>
    public static readonly double[] Latency =
        [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    public static double[]? For(Instrument instrument) => instrument switch
    {
        Histogram<double> { Advice.HistogramBucketBoundaries: { Count: > 0 } advised } => [.. advised],
        Histogram<long> { Advice.HistogramBucketBoundaries: { Count: > 0 } advised } => [.. advised.Select(b => (double)b)],
        _ when instrument.Unit == "s" => Latency,
        _ => null,
    };
}
