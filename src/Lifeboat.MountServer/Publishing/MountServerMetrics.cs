using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Lifeboat.MountServer.Publishing;

/// <summary>The <c>Lifeboat.MountServer</c> meter: what the running mount servers of this process publish, read when collected.</summary>
internal static class MountServerMetrics
{
    public static readonly Meter Meter = new("Lifeboat.MountServer");

    private static readonly ConcurrentDictionary<MountServerHost, byte> Hosts = new();

    static MountServerMetrics()
    {
        Meter.CreateObservableGauge("lifeboat.mount_server.publications", () => Hosts.Keys.Sum(h => h.PublicationCount), "{publication}",
            "VM folders published in the datastore.");
        Meter.CreateObservableGauge("lifeboat.mount_server.published_disks", () => Hosts.Keys.Sum(h => h.PublishedDiskCount), "{disk}",
            "Disks published over NFS (and NBD), each the restore point seen through its write cache.");
        Meter.CreateObservableGauge("lifeboat.mount_server.hydrated", () => Hosts.Keys.Sum(h => h.Sum(s => s.HydratedBytes)), "By",
            "Bytes of the published disks held in their hydration files (decoded from the backup once, read locally since).");
        Meter.CreateObservableGauge("lifeboat.mount_server.write_cache", () => Hosts.Keys.Sum(h => h.Sum(s => s.CacheBytes)), "By",
            "Bytes of the published disks held in their write caches (written since publication).");
    }

    public static void Add(MountServerHost host) => Hosts.TryAdd(host, 0);

    public static void Remove(MountServerHost host) => Hosts.TryRemove(host, out _);
}
