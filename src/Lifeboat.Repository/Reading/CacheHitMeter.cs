using System.Diagnostics.Metrics;

namespace Lifeboat.Repository.Reading;

/// <summary>
/// Hits and misses of one kind of cache in this process, published on a <see cref="Meter"/> as two counters,
/// <c>NAME.hits</c> and <c>NAME.misses</c>, and their <c>NAME.hit_ratio</c>. Counting is one interlocked add, whether
/// anyone listens or not; the instruments read the totals when they are collected.
/// </summary>
public sealed class CacheHitMeter
{
    private long _hits;
    private long _misses;

    /// <param name="what">What a hit and a miss are, for the instruments' descriptions, e.g. "decoded-block cache lookups".</param>
    public CacheHitMeter(Meter meter, string name, string what)
    {
        ArgumentNullException.ThrowIfNull(meter);
        meter.CreateObservableCounter($"{name}.hits", () => Hits, "{lookup}", $"Hits of {what}.");
        meter.CreateObservableCounter($"{name}.misses", () => Misses, "{lookup}", $"Misses of {what}.");
        meter.CreateObservableGauge($"{name}.hit_ratio", () => HitRatio, "1", $"Share of {what} that hit, since the process started (NaN before the first).");
    }

    public long Hits => Volatile.Read(ref _hits);

    public long Misses => Volatile.Read(ref _misses);

    public double HitRatio => Ratio(Hits, Misses);

    public void Hit() => Interlocked.Increment(ref _hits);

    public void Miss() => Interlocked.Increment(ref _misses);

    /// <summary>hits / (hits + misses); NaN when there was no lookup, so an idle cache reads as "no data" rather than as a cache that always misses.</summary>
    public static double Ratio(long hits, long misses)
    {
        var total = hits + misses;
        return total == 0 ? double.NaN : (double)hits / total;
    }
}
