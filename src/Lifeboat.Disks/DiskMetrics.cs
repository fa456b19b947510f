using System.Diagnostics.Metrics;
using Lifeboat.Repository.Reading;

namespace Lifeboat.Disks;

/// <summary>
/// The <c>Lifeboat.Disks</c> meter: where the guest reads of every published disk in this process were served from.
/// Counted per run of clusters that share a source, as <see cref="PublishedDiskStats"/> counts them per disk.
/// </summary>
internal static class DiskMetrics
{
    public static readonly Meter Meter = new("Lifeboat.Disks");

    /// <summary>A hit is a run the hydration file served; a miss, a run decoded from the backup.</summary>
    public static readonly CacheHitMeter Hydration = new(Meter, "lifeboat.disk.hydration",
        "guest reads of clusters not written since publication (a hit is served by the hydration file, a miss decoded from the backup)");

    public static readonly Counter<long> WriteCacheReads = Meter.CreateCounter<long>("lifeboat.disk.write_cache.reads", "{read}",
        "Guest reads served by the write cache (clusters written since publication).");

    public static readonly Counter<long> PrefetchHits = Meter.CreateCounter<long>("lifeboat.disk.prefetch.hits", "{read}",
        "Guest reads served from the hydration file by clusters a boot-profile prefetch put there.");
}
