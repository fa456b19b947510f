using System.Diagnostics;
using System.Globalization;
using Lifeboat.Disks;
using Lifeboat.Server.Data;
using Lifeboat.Server.Sessions.Engine;

namespace Lifeboat.Server.Sessions;

/// <summary>
/// Boot prefetch: while the guest boots, the mount server records which blocks it reads; the next recovery of the
/// same VM has them decoded into the hydration file ahead of the guest, in the order the guest will want them.
/// </summary>
internal sealed class BootProfileSteps(SessionEngine engine, SessionServices services)
{
    private SessionRecord Session => engine.Session;

    /// <summary>Starts recording this boot and prefetching the VM's last profile; says which in the step's message.</summary>
    public string Start(string publication)
    {
        var host = services.MountServer.Host;
        host.BeginBootRecording(publication);
        var stored = services.BootProfiles.Get(Session.Vm);
        if (stored is null || stored.Clusters == 0)
            return "no boot profile of this VM yet: this boot records one";
        var disks = host.DiskStats(publication).Count;
        if (stored.Disks.Count != disks)
            return $"the boot profile of {Contracts.ZonedTime.Format(stored.RecordedAt, seconds: false)} has {stored.Disks.Count} disk(s), this restore point {disks}: not used, this boot records a new one";
        var clock = Stopwatch.StartNew();
        var clusters = host.StartPrefetch(publication, [.. stored.Disks.Select(d => new BootProfile(d.ClusterSize, d.Clusters))]);
        // When the prefetch ends against how far the guest got says whether it stayed ahead of the boot.
        _ = host.PrefetchIdle(publication).ContinueWith(
            _ => engine.Note($"Boot prefetch done in {clock.Elapsed.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture)} s."),
            CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        var text = $"prefetching the boot profile recorded {Contracts.ZonedTime.Format(stored.RecordedAt, seconds: false)} from restore point {stored.RestorePointId}: {clusters} blocks ({Mib.Of(stored.Bytes)} MiB)";
        engine.Note($"Boot prefetch started: {clusters} blocks of the VM's boot profile.");
        return clusters == 0 ? "the mount server keeps no hydration file, so the boot profile cannot be prefetched" : text;
    }

    /// <summary>Stops recording once the guest answered, keeps the profile, and says what the prefetch served.</summary>
    public string Finish()
    {
        var session = Session;
        if (session.Publication is not { } publication)
            return "no boot profile";
        var host = services.MountServer.Host;
        var profiles = host.EndBootRecording(publication);
        var stats = host.DiskStats(publication);
        long prefetched = stats.Sum(s => s.PrefetchedClusters);
        long served = stats.Sum(s => s.PrefetchHits);
        string recorded;
        if (profiles is null || profiles.All(p => p.Clusters.Count == 0))
        {
            recorded = "no boot reads recorded (the server restarted during the boot)";
        }
        else
        {
            var stored = new StoredBootProfile(engine.Now, session.RestorePointId ?? "", session.Id,
                [.. profiles.Select(p => new StoredDiskProfile(p.ClusterSize, p.Clusters))]);
            services.BootProfiles.Save(session.Vm, stored);
            recorded = $"boot profile of {stored.Clusters} blocks ({Mib.Of(stored.Bytes)} MiB) recorded for the next recovery";
        }

        var text = prefetched > 0
            ? $"prefetch decoded {prefetched.ToString(CultureInfo.InvariantCulture)} blocks ahead of the guest and served {served.ToString(CultureInfo.InvariantCulture)} guest reads; {recorded}"
            : recorded;
        engine.Note($"Boot: {text}.");
        return text;
    }
}
