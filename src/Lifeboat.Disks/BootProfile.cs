namespace Lifeboat.Disks;

/// <summary>
/// The clusters a guest read while it booted, in the order it first touched them: recorded on one recovery, replayed
/// as a prefetch on the next, so the guest finds its boot path already decoded in the hydration file.
/// </summary>
/// <param name="ClusterSize">The cluster size the indexes count in; a disk of another cluster size scales them.</param>
/// <param name="Clusters">Cluster indexes, each once, in first-touch order.</param>
public sealed record BootProfile(int ClusterSize, IReadOnlyList<long> Clusters)
{
    /// <summary>Bounds a profile (1 GiB of 64 KiB clusters): a boot that reads more than this is not a boot path.</summary>
    public const int MaxClusters = 16 * 1024;

    public static BootProfile Empty(int clusterSize) => new(clusterSize, []);

    public long Bytes => (long)Clusters.Count * ClusterSize;

    /// <summary>The same byte ranges in clusters of <paramref name="clusterSize"/>, first-touch order kept.</summary>
    public IReadOnlyList<long> ClustersOf(int clusterSize)
    {
        if (clusterSize == ClusterSize)
            return Clusters;
        var seen = new HashSet<long>();
        var scaled = new List<long>(Clusters.Count);
        foreach (var cluster in Clusters)
        {
            long first = cluster * ClusterSize / clusterSize;
            long last = ((cluster + 1) * ClusterSize - 1) / clusterSize;
            for (long c = first; c <= last; c++)
            {
                if (seen.Add(c))
                    scaled.Add(c);
            }
        }

        return scaled;
    }
}
