using System.Globalization;
using System.Text.Json.Nodes;
using Lifeboat.Hypervisors.Hosts;

namespace Lifeboat.Hypervisors.Qemu.Host;

/// <summary>
/// Live migration with QMP <c>blockdev-mirror</c>: each published disk is mirrored to its production node while the
/// guest runs (its writes go to both), then <c>job-complete</c> pivots the guest's device onto the production node.
/// Every call looks at what QEMU already has first, so it carries on after a server restart.
/// </summary>
public static class MirrorMigration
{
    /// <summary>
    /// The mirror's dirty-bitmap unit. QEMU's default for a raw file is 64 KiB; 256 KiB copied a published disk to a
    /// local raw file 1.2x faster here (bench/migration), while a guest write during the mirror costs at most
    /// 256 KiB of copying again.
    /// </summary>
    public const int Granularity = 256 * 1024;

    public static string JobId(int index) => "lifeboat-mirror" + index.ToString(CultureInfo.InvariantCulture);

    /// <summary>Starts the mirror jobs that neither run nor finished, and waits until every one is in sync.</summary>
    public static async Task MirrorAsync(QmpClient qmp, int diskCount, Action<long, long> progress, CancellationToken cancellationToken)
    {
        var jobs = await QmpBlock.QueryJobsAsync(qmp, cancellationToken).ConfigureAwait(false);
        var active = new List<string>();
        for (var i = 0; i < diskCount; i++)
        {
            if (jobs.Any(j => j.Id == JobId(i)))
            {
                active.Add(JobId(i));
                continue;
            }

            if (await QmpBlock.QueryDeviceNodeAsync(qmp, ProductionFiles.DeviceId(i), cancellationToken).ConfigureAwait(false) == ProductionFiles.NodeName(i))
                continue;
            await qmp.ExecuteAsync("blockdev-mirror", new JsonObject
            {
                ["job-id"] = JobId(i),
                ["device"] = QemuCommandLine.DiskNodeName(i),
                ["target"] = ProductionFiles.NodeName(i),
                ["sync"] = "full",
                ["granularity"] = Granularity,
                ["auto-dismiss"] = false,
            }, cancellationToken).ConfigureAwait(false);
            active.Add(JobId(i));
        }

        if (active.Count > 0)
            await QmpBlock.WaitForJobsAsync(qmp, active, "ready", progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Completes the mirror jobs (the guest's devices switch to the production nodes) and drops the nfs:// nodes.</summary>
    public static async Task PivotAsync(QmpClient qmp, int diskCount, CancellationToken cancellationToken)
    {
        var jobs = await QmpBlock.QueryJobsAsync(qmp, cancellationToken).ConfigureAwait(false);
        var ids = Enumerable.Range(0, diskCount).Select(JobId).Where(id => jobs.Any(j => j.Id == id)).ToList();
        foreach (var job in jobs.Where(j => ids.Contains(j.Id) && j.Status == "ready"))
            await qmp.ExecuteAsync("job-complete", new JsonObject { ["id"] = job.Id }, cancellationToken).ConfigureAwait(false);
        if (ids.Count > 0)
            await QmpBlock.WaitForJobsAsync(qmp, ids, "concluded", null, cancellationToken).ConfigureAwait(false);
        foreach (var id in ids)
            await QmpBlock.DismissAsync(qmp, id, cancellationToken).ConfigureAwait(false);

        var nodes = await QmpBlock.QueryNodeNamesAsync(qmp, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < diskCount; i++)
        {
            var node = await QmpBlock.QueryDeviceNodeAsync(qmp, ProductionFiles.DeviceId(i), cancellationToken).ConfigureAwait(false);
            if (node != ProductionFiles.NodeName(i))
                throw new HostException($"Disk {i} still runs from {node ?? "no node"} after the mirror completed; see the VM's qemu.log, then migrate again.");
            if (nodes.Contains(QemuCommandLine.DiskNodeName(i)))
                await qmp.ExecuteAsync("blockdev-del", new JsonObject { ["node-name"] = QemuCommandLine.DiskNodeName(i) }, cancellationToken).ConfigureAwait(false);
        }
    }
}
