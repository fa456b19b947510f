using System.Diagnostics.Metrics;
using Lifeboat.Repository.Reading;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Lifeboat.Repository.Tests;

/// <summary>The hit and miss counters of a cache and the ratio computed from them.</summary>
public sealed class CacheHitMeterTests
{
    [Theory]
    [InlineData(3, 1, 0.75)]
    [InlineData(0, 5, 0.0)]
    [InlineData(7, 0, 1.0)]
    [InlineData(1, 2, 1.0 / 3)]
    public void The_ratio_is_hits_over_lookups(long hits, long misses, double ratio) =>
        Assert.Equal(ratio, CacheHitMeter.Ratio(hits, misses), 12);

    [Fact]
    public void A_cache_never_looked_up_has_no_ratio_rather_than_zero() =>
        Assert.True(double.IsNaN(CacheHitMeter.Ratio(0, 0)));

    [Fact]
    public void The_instruments_read_the_totals_when_collected()
    {
        using var meter = new Meter("Lifeboat.Test.Cache." + Guid.NewGuid().ToString("N"));
        var cache = new CacheHitMeter(meter, "lifeboat.test_cache", "test lookups");
        using var hits = new MetricCollector<long>(meter, "lifeboat.test_cache.hits");
        using var misses = new MetricCollector<long>(meter, "lifeboat.test_cache.misses");
        using var ratio = new MetricCollector<double>(meter, "lifeboat.test_cache.hit_ratio");

        ratio.RecordObservableInstruments();
        Assert.True(double.IsNaN(ratio.LastMeasurement!.Value));

        for (var i = 0; i < 6; i++)
            cache.Hit();
        for (var i = 0; i < 2; i++)
            cache.Miss();
        // Each collector listens to its own instrument only.
        hits.RecordObservableInstruments();
        misses.RecordObservableInstruments();
        ratio.RecordObservableInstruments();
        Assert.Equal(6, hits.LastMeasurement!.Value);
        Assert.Equal(2, misses.LastMeasurement!.Value);
        Assert.Equal(0.75, ratio.LastMeasurement!.Value);
        Assert.Equal("1", ratio.Instrument!.Unit);
        Assert.Equal((6, 2), (cache.Hits, cache.Misses));
    }
}
