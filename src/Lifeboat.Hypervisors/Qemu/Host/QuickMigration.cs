using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace Lifeboat.Hypervisors.Qemu.Host;

/// <summary>
/// Quick migration: while the guest runs, a QEMU backup job copies each disk (the restore point seen through its
/// write cache, read from Lifeboat's mount server) to its production node, and a dirty bitmap added first records
/// every block the guest writes meanwhile. Then the VM is paused, the blocks in the bitmap are copied, each disk's
/// raw node is reopened onto its production node (<c>blockdev-reopen</c> with a new <c>file</c> child), and the VM
/// resumes. The pause lasts as long as copying the blocks written during the first copy.
/// </summary>
public static class QuickMigration
{
    public const string BitmapName = "lifeboat-quick";

    private static readonly TimeSpan CancelTimeout = TimeSpan.FromSeconds(30);

    public static string CopyJobId(int index) => "lifeboat-copy" + index.ToString(CultureInfo.InvariantCulture);

    public static string DeltaJobId(int index) => "lifeboat-delta" + index.ToString(CultureInfo.InvariantCulture);

    /// <summary>Undoes what an interrupted quick migration left in QEMU (jobs, bitmaps, a pause) so that it can start over.</summary>
    public static async Task ResetAsync(QmpClient qmp, int diskCount, CancellationToken cancellationToken)
    {
        var ours = Enumerable.Range(0, diskCount).SelectMany(i => new[] { CopyJobId(i), DeltaJobId(i) }).ToHashSet(StringComparer.Ordinal);
        var elapsed = Stopwatch.StartNew();
        while (true)
        {
            var jobs = (await QmpBlock.QueryJobsAsync(qmp, cancellationToken).ConfigureAwait(false)).Where(j => ours.Contains(j.Id)).ToList();
            if (jobs.Count == 0)
                break;
            foreach (var job in jobs)
            {
                if (job.Status == "concluded")
                    await QmpBlock.DismissAsync(qmp, job.Id, cancellationToken).ConfigureAwait(false);
                else if (job.Status != "aborting")
                    await IgnoreErrorsAsync(qmp.ExecuteAsync("job-cancel", new JsonObject { ["id"] = job.Id }, cancellationToken)).ConfigureAwait(false);
            }

            if (elapsed.Elapsed > CancelTimeout)
                throw new TimeoutException("QEMU did not cancel the interrupted copy jobs within 30 s; stop the session.");
            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        }

        for (var i = 0; i < diskCount; i++)
        {
            await IgnoreErrorsAsync(qmp.ExecuteAsync("block-dirty-bitmap-remove",
                new JsonObject { ["node"] = QemuCommandLine.DiskNodeName(i), ["name"] = BitmapName }, cancellationToken)).ConfigureAwait(false);
        }

        var status = await qmp.ExecuteAsync("query-status", cancellationToken: cancellationToken).ConfigureAwait(false);
        if (status?["status"]?.GetValue<string>() == "paused")
            await qmp.ExecuteAsync("cont", cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts tracking the guest's writes, then copies every disk to its production node while the guest runs.</summary>
    public static async Task CopyAsync(QmpClient qmp, int diskCount, Action<long, long> progress, CancellationToken cancellationToken)
    {
        for (var i = 0; i < diskCount; i++)
        {
            await qmp.ExecuteAsync("block-dirty-bitmap-add",
                new JsonObject { ["node"] = QemuCommandLine.DiskNodeName(i), ["name"] = BitmapName }, cancellationToken).ConfigureAwait(false);
        }

        await RunBackupJobsAsync(qmp, diskCount, CopyJobId, i => new JsonObject { ["sync"] = "full" }, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Pauses the VM, copies the blocks written since <see cref="CopyAsync"/> began, switches every disk, resumes.</summary>
    /// <returns>How long the VM was paused.</returns>
    public static async Task<TimeSpan> PauseCopyAndSwitchAsync(QmpClient qmp, int diskCount, CancellationToken cancellationToken)
    {
        await qmp.ExecuteAsync("stop", cancellationToken: cancellationToken).ConfigureAwait(false);
        var paused = Stopwatch.StartNew();
        try
        {
            await RunBackupJobsAsync(qmp, diskCount, DeltaJobId,
                i => new JsonObject { ["sync"] = "bitmap", ["bitmap"] = BitmapName, ["bitmap-mode"] = "on-success" }, null, cancellationToken).ConfigureAwait(false);
            var options = new JsonArray();
            for (var i = 0; i < diskCount; i++)
            {
                options.Add(new JsonObject
                {
                    ["driver"] = "raw",
                    ["node-name"] = QemuCommandLine.DiskNodeName(i),
                    ["file"] = ProductionFiles.NodeName(i),
                });
            }

            await qmp.ExecuteAsync("blockdev-reopen", new JsonObject { ["options"] = options }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Whatever happened, the guest runs again: from production if the switch was made, else still from the datastore.
            await qmp.ExecuteAsync("cont", cancellationToken: CancellationToken.None).ConfigureAwait(false);
        }

        var pause = paused.Elapsed;
        for (var i = 0; i < diskCount; i++)
        {
            await qmp.ExecuteAsync("block-dirty-bitmap-remove",
                new JsonObject { ["node"] = QemuCommandLine.DiskNodeName(i), ["name"] = BitmapName }, cancellationToken).ConfigureAwait(false);
        }

        return pause;
    }

    private static async Task RunBackupJobsAsync(
        QmpClient qmp, int diskCount, Func<int, string> jobId, Func<int, JsonObject> sync, Action<long, long>? progress, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        for (var i = 0; i < diskCount; i++)
        {
            var arguments = sync(i);
            arguments["job-id"] = jobId(i);
            arguments["device"] = QemuCommandLine.DiskNodeName(i);
            arguments["target"] = ProductionFiles.NodeName(i);
            arguments["auto-dismiss"] = false;
            await qmp.ExecuteAsync("blockdev-backup", arguments, cancellationToken).ConfigureAwait(false);
            ids.Add(jobId(i));
        }

        await QmpBlock.WaitForJobsAsync(qmp, ids, "concluded", progress, cancellationToken).ConfigureAwait(false);
        foreach (var id in ids)
            await QmpBlock.DismissAsync(qmp, id, cancellationToken).ConfigureAwait(false);
    }

    private static async Task IgnoreErrorsAsync(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (QmpException)
        {
            // Already gone: nothing to undo.
        }
    }
}
