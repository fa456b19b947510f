using System.Text.Json.Nodes;
using Lifeboat.Hypervisors.Hosts;

namespace Lifeboat.Hypervisors.Qemu.Host;

/// <summary>The QMP block commands a migration uses, answered as plain values.</summary>
public static class QmpBlock
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    public static async Task<IReadOnlyList<BlockJob>> QueryJobsAsync(QmpClient qmp, CancellationToken cancellationToken)
    {
        var answer = await qmp.ExecuteAsync("query-jobs", cancellationToken: cancellationToken).ConfigureAwait(false);
        var jobs = new List<BlockJob>();
        foreach (var job in answer as JsonArray ?? [])
        {
            if (job is not JsonObject entry || Text(entry["id"]) is not { } id)
                continue;
            jobs.Add(new BlockJob(id, Text(entry["type"]) ?? "", Text(entry["status"]) ?? "", Number(entry["current-progress"]),
                Number(entry["total-progress"]), Text(entry["error"])));
        }

        return jobs;
    }

    public static async Task<IReadOnlySet<string>> QueryNodeNamesAsync(QmpClient qmp, CancellationToken cancellationToken)
    {
        var answer = await qmp.ExecuteAsync("query-named-block-nodes", new JsonObject { ["flat"] = true }, cancellationToken).ConfigureAwait(false);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in answer as JsonArray ?? [])
        {
            if (Text(node?["node-name"]) is { } name)
                names.Add(name);
        }

        return names;
    }

    /// <summary>The node a guest device reads and writes (its BlockBackend's root), by the device's qdev id.</summary>
    public static async Task<string?> QueryDeviceNodeAsync(QmpClient qmp, string qdevId, CancellationToken cancellationToken)
    {
        var answer = await qmp.ExecuteAsync("query-block", cancellationToken: cancellationToken).ConfigureAwait(false);
        foreach (var device in answer as JsonArray ?? [])
        {
            if (device is JsonObject entry && Text(entry["qdev"]) is { } qdev
                && (qdev == qdevId || qdev.EndsWith("/" + qdevId, StringComparison.Ordinal) || qdev.Contains("/" + qdevId + "/", StringComparison.Ordinal)))
            {
                return Text(entry["inserted"]?["node-name"]);
            }
        }

        return null;
    }

    /// <summary>
    /// Polls <c>query-jobs</c> until every job of <paramref name="ids"/> reaches <paramref name="goal"/> ("ready" or
    /// "concluded"); reports the summed progress. Polling, not events: after a server restart the events are gone.
    /// </summary>
    /// <exception cref="HostException">A job failed or vanished.</exception>
    public static async Task WaitForJobsAsync(
        QmpClient qmp, IReadOnlyList<string> ids, string goal, Action<long, long>? progress, CancellationToken cancellationToken)
    {
        while (true)
        {
            var jobs = await QueryJobsAsync(qmp, cancellationToken).ConfigureAwait(false);
            long done = 0, total = 0;
            var reached = 0;
            foreach (var id in ids)
            {
                var job = jobs.FirstOrDefault(j => j.Id == id)
                    ?? throw new HostException($"QEMU's block job {id} is gone before it finished; see the VM's qemu.log, then migrate again.");
                if (job.Error is not null)
                    throw new HostException($"QEMU's {job.Type} job {id} failed: {job.Error}; check the target folder's space and permissions, then migrate again.");
                if (job.Status is "aborting" or "null")
                    throw new HostException($"QEMU's {job.Type} job {id} was cancelled; migrate again.");
                done += job.CurrentProgress;
                total += job.TotalProgress;
                if (job.Status == goal || job.Status == "concluded")
                    reached++;
            }

            progress?.Invoke(done, total);
            if (reached == ids.Count)
                return;
            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    public static async Task DismissAsync(QmpClient qmp, string id, CancellationToken cancellationToken)
    {
        await qmp.ExecuteAsync("job-dismiss", new JsonObject { ["id"] = id }, cancellationToken).ConfigureAwait(false);
    }

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static long Number(JsonNode? node) => node is JsonValue value && value.TryGetValue<long>(out var number) ? number : 0;
}
