using System.Diagnostics.Metrics;

namespace Lifeboat.Repository.Reading;

/// <summary>The <c>Lifeboat.Repository</c> meter: lookups of the decoded-block cache of restore point disks.</summary>
internal static class RepositoryMetrics
{
    public static readonly Meter Meter = new("Lifeboat.Repository");

    /// <summary>A hit is a block copied from the cache; a miss, a block decoded from its pack file (zero blocks are neither).</summary>
    public static readonly CacheHitMeter BlockCache = new(Meter, "lifeboat.block_cache", "decoded-block cache lookups");
}
