using System.Text.Json;
using System.Text.Json.Nodes;

namespace Lifeboat.Hypervisors.Qemu.LiveBackup;

/// <summary>
/// The hardware of a running VM as QEMU reports it, written as the JSON hardware description restore points keep
/// (cpus, memoryMiB, diskBus, diskBuses, nicModel, firmware, kernel, initrd, cmdline, guestAgent), so an instant
/// recovery defines the VM as it ran.
/// </summary>
internal static class QemuHardwareQuery
{
    private const long MiB = 1024 * 1024;

    public static async Task<string> QueryAsync(QmpClient qmp, IReadOnlyList<QemuBlockDisk> disks, bool guestAgent, CancellationToken cancellationToken)
    {
        var cpus = await qmp.ExecuteAsync("query-cpus-fast", cancellationToken: cancellationToken).ConfigureAwait(false) as JsonArray;
        var memory = await qmp.ExecuteAsync("query-memory-size-summary", cancellationToken: cancellationToken).ConfigureAwait(false);
        var buses = new JsonArray();
        foreach (var disk in disks)
        {
            buses.Add(BusOf(await TypeOfAsync(qmp, disk.DevicePath, cancellationToken).ConfigureAwait(false)));
        }

        var blocks = await qmp.ExecuteAsync("query-block", cancellationToken: cancellationToken).ConfigureAwait(false) as JsonArray ?? [];
        bool uefi = blocks.Any(b => QmpJson.String(b?["device"])?.StartsWith("pflash", StringComparison.Ordinal) == true);
        var hardware = new JsonObject
        {
            ["cpus"] = cpus?.Count is > 0 and var count ? count : null,
            ["memoryMiB"] = QmpJson.Long(memory?["base-memory"]) is > 0 and var bytes ? bytes / MiB : null,
            ["diskBus"] = buses.Count > 0 ? buses[0]?.DeepClone() : null,
            ["diskBuses"] = buses,
            ["nicModel"] = await NicModelAsync(qmp, cancellationToken).ConfigureAwait(false),
            ["firmware"] = uefi ? "uefi" : "bios",
            ["kernel"] = await MachineStringAsync(qmp, "kernel", cancellationToken).ConfigureAwait(false),
            ["initrd"] = await MachineStringAsync(qmp, "initrd", cancellationToken).ConfigureAwait(false),
            ["cmdline"] = await MachineStringAsync(qmp, "append", cancellationToken).ConfigureAwait(false),
            ["guestAgent"] = guestAgent,
            ["source"] = "qemu " + qmp.QemuVersion.ToString(3),
        };
        return hardware.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static string? BusOf(string? deviceType) => deviceType switch
    {
        null => null,
        _ when deviceType.StartsWith("virtio-blk", StringComparison.Ordinal) => "virtio",
        "ide-hd" or "ide-drive" => "ide",
        "scsi-hd" or "scsi-block" or "scsi-disk" => "scsi",
        _ => deviceType,
    };

    private static async Task<string?> NicModelAsync(QmpClient qmp, CancellationToken cancellationToken)
    {
        foreach (var container in new[] { "/machine/peripheral", "/machine/peripheral-anon" })
        {
            var children = await qmp.ExecuteAsync("qom-list", new JsonObject { ["path"] = container }, cancellationToken).ConfigureAwait(false);
            foreach (var child in children as JsonArray ?? [])
            {
                var type = QmpJson.String(child?["type"]);
                if (type is "child<virtio-net-pci>" or "child<virtio-net-device>")
                {
                    return "virtio-net";
                }

                if (type is "child<e1000>" or "child<e1000e>")
                {
                    return type[6..^1];
                }
            }
        }

        return "none";
    }

    private static async Task<string?> TypeOfAsync(QmpClient qmp, string path, CancellationToken cancellationToken)
    {
        try
        {
            return QmpJson.String(await qmp.ExecuteAsync("qom-get", new JsonObject { ["path"] = path, ["property"] = "type" }, cancellationToken).ConfigureAwait(false));
        }
        catch (QmpException)
        {
            return null;
        }
    }

    private static async Task<string?> MachineStringAsync(QmpClient qmp, string property, CancellationToken cancellationToken)
    {
        try
        {
            var value = QmpJson.String(await qmp.ExecuteAsync("qom-get", new JsonObject { ["path"] = "/machine", ["property"] = property }, cancellationToken).ConfigureAwait(false));
            return string.IsNullOrEmpty(value) ? null : value;
        }
        catch (QmpException)
        {
            return null;
        }
    }
}
