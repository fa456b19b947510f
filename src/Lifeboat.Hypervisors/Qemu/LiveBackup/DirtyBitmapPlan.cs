using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Hypervisors.Qemu.LiveBackup;

/// <summary>
/// Decides, before a point in time, whether a disk's dirty bitmap can say what changed since the last restore point:
/// only the bitmap that restore point recorded can, and only while it is consistent and has been recording. Bitmaps
/// an interrupted backup left (a newer one next to the recorded one) are merged into it first, so a killed backup
/// loses no change; any other bitmap of this VM is stale and removed.
/// </summary>
internal static class DirtyBitmapPlan
{
    /// <returns>The bitmap to read the changes from, or null and the reason the disk must be read whole.</returns>
    public static async Task<(string? Changed, string? FullReadReason)> ReconcileAsync(
        QmpClient qmp, QemuLiveBackupOptions options, QemuBlockDisk disk, string? identity, ILogger logger, CancellationToken cancellationToken)
    {
        var ours = disk.Bitmaps.Where(b => DirtyBitmapName.IsOf(b.Name, options.Vm)).ToList();
        options.TrackedBitmaps.TryGetValue(disk.Name, out var expected);
        var recorded = expected is null ? null : ours.FirstOrDefault(b => b.Name == expected);
        string? reason = null;
        if (expected is null)
        {
            reason = "no earlier restore point of this VM recorded a dirty bitmap for it";
        }
        else if (recorded is null)
        {
            reason = options.PreviousSourceIdentity is { } previous && identity is not null && previous != identity
                ? $"the VM was restarted since the last backup (QEMU {previous} then, {identity} now) and its dirty bitmap {expected} did not survive (only qcow2 disks keep one)"
                : $"its dirty bitmap {expected} is gone (deleted, or the VM was restarted)";
        }
        else if (recorded.Inconsistent)
        {
            reason = $"its dirty bitmap {expected} is inconsistent (QEMU did not shut down cleanly)";
        }

        var others = ours.Where(b => b.Name != expected).ToList();
        if (reason is null && !recorded!.Recording && others.Count == 0)
        {
            reason = $"its dirty bitmap {expected} was disabled, so writes may be missing from it";
        }

        if (reason is not null)
        {
            QemuLog.BitmapNotTrusted(logger, disk.Name, reason);
            foreach (var stale in ours)
            {
                await qmp.ExecuteAsync("block-dirty-bitmap-remove", new JsonObject { ["node"] = disk.NodeName, ["name"] = stale.Name }, cancellationToken).ConfigureAwait(false);
            }

            return (null, reason);
        }

        if (others.Count > 0)
        {
            var actions = new JsonArray
            {
                Action("block-dirty-bitmap-merge", new JsonObject { ["node"] = disk.NodeName, ["target"] = expected, ["bitmaps"] = new JsonArray([.. others.Select(o => (JsonNode)o.Name)]) }),
            };
            if (!recorded!.Recording)
            {
                actions.Add(Action("block-dirty-bitmap-enable", new JsonObject { ["node"] = disk.NodeName, ["name"] = expected }));
            }

            foreach (var other in others)
            {
                actions.Add(Action("block-dirty-bitmap-remove", new JsonObject { ["node"] = disk.NodeName, ["name"] = other.Name }));
            }

            await qmp.ExecuteAsync("transaction", new JsonObject { ["actions"] = actions }, cancellationToken).ConfigureAwait(false);
            QemuLog.BitmapsMergedBack(logger, disk.Name, string.Join(", ", others.Select(o => o.Name)), expected!);
        }

        QemuLog.BitmapTrusted(logger, disk.Name, expected!);
        return (expected, null);
    }

    private static JsonObject Action(string type, JsonObject data) => new() { ["type"] = type, ["data"] = data };
}
