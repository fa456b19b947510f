using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Hypervisors.Qemu.LiveBackup;

/// <summary>
/// Removes what a live backup adds to a running QEMU, in the order QEMU needs (the export holds the fleecing node and
/// the bitmap, the backup job holds the fleecing node): NBD exports, the NBD server, the backup jobs, the fleecing
/// nodes. Every step is tried even when an earlier one failed. The same steps clean up after a backup that was killed.
/// </summary>
internal static class FleecingTeardown
{
    /// <summary>Exports, jobs and nodes a live backup creates carry this prefix.</summary>
    public const string NamePrefix = "lifeboat-";
    public const string FleeceNodePrefix = "lifeboat-fleece-";

    private static readonly TimeSpan GoneTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>Removes Lifeboat's leftovers; true when there were any (then the NBD server was Lifeboat's too).</summary>
    public static async Task<bool> RemoveLeftoversAsync(QmpClient qmp, bool nbdServerIsOurs, ILogger logger, CancellationToken cancellationToken)
    {
        var exports = await ListAsync(qmp, "query-block-exports", "id", cancellationToken).ConfigureAwait(false);
        var jobs = await ListAsync(qmp, "query-block-jobs", "device", cancellationToken).ConfigureAwait(false);
        var nodes = (await ListAsync(qmp, "query-named-block-nodes", "node-name", cancellationToken).ConfigureAwait(false))
            .Where(n => n.StartsWith(FleeceNodePrefix, StringComparison.Ordinal)).ToList();
        exports = [.. exports.Where(e => e.StartsWith(NamePrefix, StringComparison.Ordinal))];
        jobs = [.. jobs.Where(j => j.StartsWith(NamePrefix, StringComparison.Ordinal))];
        bool found = exports.Count + jobs.Count + nodes.Count > 0;
        if (found)
        {
            QemuLog.LeftoversFound(logger, exports.Count, jobs.Count, nodes.Count);
        }

        await RemoveAsync(qmp, exports, found || nbdServerIsOurs, jobs, nodes, logger, cancellationToken).ConfigureAwait(false);
        return found;
    }

    public static async Task RemoveAsync(
        QmpClient qmp, IReadOnlyList<string> exports, bool stopNbdServer, IReadOnlyList<string> jobs, IReadOnlyList<string> nodes,
        ILogger logger, CancellationToken cancellationToken)
    {
        foreach (var export in exports)
        {
            await TryAsync(qmp, "block-export-del", new JsonObject { ["id"] = export, ["mode"] = "hard" }, logger, cancellationToken).ConfigureAwait(false);
        }

        await WaitGoneAsync(qmp, "query-block-exports", "id", exports, cancellationToken).ConfigureAwait(false);
        if (stopNbdServer)
        {
            await TryAsync(qmp, "nbd-server-stop", null, logger, cancellationToken).ConfigureAwait(false);
        }

        foreach (var job in jobs)
        {
            await TryAsync(qmp, "block-job-cancel", new JsonObject { ["device"] = job, ["force"] = true }, logger, cancellationToken).ConfigureAwait(false);
        }

        await WaitGoneAsync(qmp, "query-block-jobs", "device", jobs, cancellationToken).ConfigureAwait(false);
        foreach (var node in nodes)
        {
            await TryAsync(qmp, "blockdev-del", new JsonObject { ["node-name"] = node }, logger, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task TryAsync(QmpClient qmp, string command, JsonObject? arguments, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            await qmp.ExecuteAsync(command, arguments, cancellationToken).ConfigureAwait(false);
        }
        catch (QmpException ex)
        {
            QemuLog.TeardownStepFailed(logger, command, ex.Message);
        }
    }

    private static async Task<List<string>> ListAsync(QmpClient qmp, string query, string field, CancellationToken cancellationToken)
    {
        var arguments = query == "query-named-block-nodes" ? new JsonObject { ["flat"] = true } : null;
        var answer = await qmp.ExecuteAsync(query, arguments, cancellationToken).ConfigureAwait(false);
        return [.. (answer as JsonArray ?? []).Select(item => QmpJson.String(item?[field])).OfType<string>()];
    }

    /// <summary>Deleting an export or cancelling a job finishes in the background; what comes next needs it gone.</summary>
    private static async Task WaitGoneAsync(QmpClient qmp, string query, string field, IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        if (names.Count == 0)
        {
            return;
        }

        var clock = Stopwatch.StartNew();
        while (true)
        {
            var left = (await ListAsync(qmp, query, field, cancellationToken).ConfigureAwait(false)).Intersect(names, StringComparer.Ordinal).ToList();
            if (left.Count == 0)
            {
                return;
            }

            if (clock.Elapsed > GoneTimeout)
            {
                throw new QemuException($"QEMU still lists {string.Join(", ", left)} {GoneTimeout.TotalSeconds:0} s after Lifeboat removed them ({query}).");
            }

            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }
}
