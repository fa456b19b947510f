using System.Text.Json.Nodes;

namespace Lifeboat.Hypervisors.Qemu.LiveBackup;

/// <summary>A disk of a running VM as <c>query-block</c> shows it: the guest device and the block node under it.</summary>
/// <param name="Name">The guest device's id (e.g. <c>disk0-device</c>), or the drive name of a <c>-drive</c> disk.</param>
/// <param name="DevicePath">The device's QOM path, e.g. <c>/machine/peripheral/disk0-device</c>.</param>
/// <param name="NodeName">The block node the device reads (the format node).</param>
/// <param name="Driver">That node's driver: <c>qcow2</c>, <c>raw</c>, ...</param>
public sealed record QemuBlockDisk(string Name, string DevicePath, string NodeName, string Driver, long Size, bool ReadOnly, IReadOnlyList<QemuDirtyBitmap> Bitmaps)
{
    /// <summary>Only qcow2 keeps a bitmap across a QEMU restart (a persistent bitmap); other formats lose it.</summary>
    public bool CanPersistBitmaps => Driver == "qcow2";

    private const string BackendSuffix = "/virtio-backend";

    /// <summary>
    /// Every writable disk with a medium that a guest device uses, in <c>query-block</c>'s order. Firmware flash,
    /// empty CD-ROM drives and read-only media are left out: they are not the VM's data.
    /// </summary>
    public static IReadOnlyList<QemuBlockDisk> Parse(JsonNode? queryBlock, int maxDisks)
    {
        var disks = new List<QemuBlockDisk>();
        foreach (var entry in queryBlock as JsonArray ?? [])
        {
            if (entry?["inserted"] is not JsonObject inserted || QmpJson.String(entry["qdev"]) is not { Length: > 0 } qdev)
            {
                continue;
            }

            var nodeName = QmpJson.String(inserted["node-name"]);
            var driver = QmpJson.String(inserted["drv"]);
            var size = QmpJson.Long(inserted["image"]?["virtual-size"]);
            if (nodeName is null || driver is null || size is null or < 0 || QmpJson.Bool(inserted["ro"]) == true)
            {
                continue;
            }

            var devicePath = qdev.EndsWith(BackendSuffix, StringComparison.Ordinal) ? qdev[..^BackendSuffix.Length] : qdev;
            var device = QmpJson.String(entry["device"]);
            var name = string.IsNullOrEmpty(device) ? devicePath[(devicePath.LastIndexOf('/') + 1)..] : device;
            if (disks.Count == maxDisks)
            {
                throw new QemuException($"The VM has more than {maxDisks} disks; Lifeboat backs up at most {maxDisks}.");
            }

            disks.Add(new QemuBlockDisk(name, devicePath, nodeName, driver, size.Value, ReadOnly: false, ParseBitmaps(inserted["dirty-bitmaps"])));
        }

        return disks;
    }

    private static List<QemuDirtyBitmap> ParseBitmaps(JsonNode? bitmaps)
    {
        var result = new List<QemuDirtyBitmap>();
        foreach (var bitmap in bitmaps as JsonArray ?? [])
        {
            // Anonymous bitmaps belong to QEMU's own jobs.
            if (QmpJson.String(bitmap?["name"]) is not { Length: > 0 } name)
            {
                continue;
            }

            result.Add(new QemuDirtyBitmap(
                name,
                QmpJson.Bool(bitmap!["recording"]) ?? false,
                QmpJson.Bool(bitmap["persistent"]) ?? false,
                QmpJson.Bool(bitmap["busy"]) ?? false,
                QmpJson.Bool(bitmap["inconsistent"]) ?? false,
                QmpJson.Long(bitmap["granularity"]) ?? 0,
                QmpJson.Long(bitmap["count"]) ?? 0));
        }

        return result;
    }
}
