using System.Xml.Linq;
using Lifeboat.Hypervisors.Qemu;
using Lifeboat.Hypervisors.Qemu.LiveBackup;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Hypervisors.Libvirt;

/// <summary>
/// The libvirt checkpoint a live backup of a domain is incremental from: the one the last restore point recorded,
/// trusted while libvirt defines it. When libvirt no longer does but every disk still holds its bitmap, only its
/// metadata went (another tool set it aside and did not give it back, or a transient domain was restarted): the
/// bitmaps never stopped recording, so it is redefined and the chain goes on. Newer checkpoints of this VM (left by a
/// killed backup) are deleted, which merges their changes into it; other tools' checkpoints are left alone.
/// </summary>
internal sealed class LibvirtCheckpointChain(LibvirtBackupDomain domain, QemuLiveBackupOptions options, ILogger logger)
{
    /// <returns>The checkpoint to read the changes since, or null and why the disks must be read whole.</returns>
    /// <param name="checkpoints">The domain's checkpoints, parents first (listed beside the backup's other first calls).</param>
    public async Task<(string? Base, string? FullReadReason)> ReconcileAsync(IReadOnlyList<string> targets, IReadOnlyList<string> checkpoints, CancellationToken cancellationToken)
    {
        List<string> ours = [.. checkpoints.Where(n => DirtyBitmapName.IsOf(n, options.Vm))];
        var expected = targets.Select(t => options.TrackedBitmaps.GetValueOrDefault(t)).Distinct().ToList();
        string? reason = null;
        if (expected is not [{ } checkpoint])
        {
            reason = expected.All(e => e is null)
                ? "no earlier restore point of this VM recorded a libvirt checkpoint for it"
                : "the last restore point recorded different checkpoints for its disks";
        }
        else if (!ours.Contains(checkpoint, StringComparer.Ordinal))
        {
            reason = await RedefineAsync(checkpoint, targets, cancellationToken).ConfigureAwait(false);
        }

        // Newest first: each deletion merges a checkpoint's changes into its parent.
        var stale = ours.Where(n => reason is not null || n != expected[0]).Reverse().ToList();
        foreach (var name in stale)
        {
            await domain.DeleteCheckpointAsync(name, metadataOnly: false, cancellationToken).ConfigureAwait(false);
        }

        foreach (var target in targets)
        {
            if (reason is not null)
            {
                QemuLog.BitmapNotTrusted(logger, target, reason);
                continue;
            }

            if (stale.Count > 0)
            {
                QemuLog.BitmapsMergedBack(logger, target, string.Join(", ", stale), expected[0]!);
            }

            QemuLog.BitmapTrusted(logger, target, expected[0]!);
        }

        return (reason is null ? expected[0] : null, reason);
    }

    /// <summary>
    /// Defines <paramref name="checkpoint"/> again over the bitmaps of that name, then asks libvirt their size: it
    /// gives one only for a disk that holds the bitmap. Returns null when every disk does, else why the disks must be
    /// read whole (the definition is removed again, and the bitmaps some disks still hold with it).
    /// </summary>
    private async Task<string?> RedefineAsync(string checkpoint, IReadOnlyList<string> targets, CancellationToken cancellationToken)
    {
        var definition = new XElement(
            "domaincheckpoint",
            new XElement("name", checkpoint),
            new XElement("creationTime", DateTimeOffset.UtcNow.ToUnixTimeSeconds()),
            new XElement("disks", targets.Select(t => new XElement("disk", new XAttribute("name", t), new XAttribute("checkpoint", "bitmap"), new XAttribute("bitmap", checkpoint)))));
        try
        {
            await domain.RedefineCheckpointAsync(definition.ToString(), cancellationToken).ConfigureAwait(false);
        }
        catch (LibvirtException ex)
        {
            return $"its checkpoint {checkpoint} is gone: libvirt no longer defines it and would not define it again ({ex.Message})";
        }

        List<string> missing;
        try
        {
            var sized = XElement.Parse(await domain.CheckpointXmlAsync(checkpoint, withSize: true, cancellationToken).ConfigureAwait(false));
            var withSize = sized.Element("disks")?.Elements("disk").Where(d => d.Attribute("size") is not null).Select(d => (string?)d.Attribute("name")).ToHashSet() ?? [];
            missing = [.. targets.Where(t => !withSize.Contains(t))];
        }
        catch (Exception ex) when (ex is LibvirtException or System.Xml.XmlException)
        {
            missing = [.. targets];
        }

        if (missing.Count == 0)
        {
            QemuLog.CheckpointRedefined(logger, options.Vm, checkpoint);
            return null;
        }

        try
        {
            await domain.DeleteCheckpointAsync(checkpoint, metadataOnly: false, cancellationToken).ConfigureAwait(false);
        }
        catch (LibvirtException)
        {
            // A disk without the bitmap makes libvirt refuse to delete the others': the definition alone goes.
            await domain.DeleteCheckpointAsync(checkpoint, metadataOnly: true, cancellationToken).ConfigureAwait(false);
        }

        string disks = missing.Count == 1 ? $"disk {missing[0]} no longer holds" : $"disks {string.Join(", ", missing)} no longer hold";
        return $"its checkpoint {checkpoint} is gone: libvirt no longer defines it and {disks} its bitmap, so something outside Lifeboat deleted it";
    }
}
