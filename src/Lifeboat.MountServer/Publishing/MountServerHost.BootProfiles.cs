using Lifeboat.Disks;

namespace Lifeboat.MountServer.Publishing;

/// <summary>Boot profiles: what a publication's guest reads while it boots, and the prefetch of it on the next one.</summary>
public sealed partial class MountServerHost
{
    /// <summary>Starts recording the clusters every disk of <paramref name="publication"/> is read at; false if it is not published.</summary>
    public bool BeginBootRecording(string publication)
    {
        if (!_live.TryGetValue(publication, out var live))
            return false;
        foreach (var disk in live.Disks)
            disk.BeginBootRecording();
        return true;
    }

    /// <summary>Stops recording and returns one profile per disk, in disk order; null if it is not published.</summary>
    public IReadOnlyList<BootProfile>? EndBootRecording(string publication) =>
        _live.TryGetValue(publication, out var live) ? [.. live.Disks.Select(d => d.EndBootRecording())] : null;

    /// <summary>
    /// Prefetches <paramref name="profiles"/> (one per disk, in disk order; extra or missing ones are ignored) into the
    /// disks' hydration files in the background; returns how many clusters it will consider.
    /// </summary>
    public int StartPrefetch(string publication, IReadOnlyList<BootProfile> profiles)
    {
        if (!_live.TryGetValue(publication, out var live))
            return 0;
        var clusters = 0;
        for (var i = 0; i < Math.Min(profiles.Count, live.Disks.Count); i++)
            clusters += live.Disks[i].StartPrefetch(profiles[i]);
        return clusters;
    }

    /// <summary>Every disk's counters, in disk order; empty if it is not published.</summary>
    public IReadOnlyList<PublishedDiskStats> DiskStats(string publication) =>
        _live.TryGetValue(publication, out var live) ? [.. live.Disks.Select(d => d.Stats)] : [];

    /// <summary>Completes when every prefetch of the publication has finished.</summary>
    public Task PrefetchIdle(string publication) =>
        _live.TryGetValue(publication, out var live) ? Task.WhenAll(live.Disks.Select(d => d.PrefetchIdle)) : Task.CompletedTask;
}
