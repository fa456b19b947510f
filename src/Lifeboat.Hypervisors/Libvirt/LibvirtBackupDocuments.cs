using System.Xml;
using System.Xml.Linq;

namespace Lifeboat.Hypervisors.Libvirt;

/// <summary>What a live backup reads from the documents virsh prints: the domain's disks, and the backup's exports.</summary>
internal static class LibvirtBackupDocuments
{
    private const int MaxDisks = 64;

    /// <summary>The target and driver of each writable disk of <c>virsh dumpxml</c>'s domain.</summary>
    public static List<(string Target, string Driver)> Disks(string domainXml)
    {
        var domain = Load(domainXml);
        return [.. (domain.Root?.Element("devices")?.Elements("disk") ?? [])
            .Where(d => (string?)d.Attribute("device") is null or "disk" && d.Element("readonly") is null)
            .Take(MaxDisks)
            .Select(d => ((string?)d.Element("target")?.Attribute("dev") ?? "", (string?)d.Element("driver")?.Attribute("type") ?? "raw"))
            .Where(d => d.Item1.Length > 0)];
    }

    /// <summary>The file of each disk of <c>virsh dumpxml</c>'s domain whose source is a file (<c>&lt;source file=…&gt;</c>), by target.</summary>
    public static Dictionary<string, string> DiskFiles(string domainXml)
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var disk in (Load(domainXml).Root?.Element("devices")?.Elements("disk") ?? []).Take(MaxDisks))
        {
            if ((string?)disk.Element("target")?.Attribute("dev") is { Length: > 0 } target && (string?)disk.Element("source")?.Attribute("file") is { Length: > 0 } file)
            {
                files[target] = file;
            }
        }

        return files;
    }

    /// <summary>Each disk's export and dirty bitmap names from <c>virsh backup-dumpxml</c>.</summary>
    public static Dictionary<string, (string Name, string? Bitmap)> Exports(string backupXml)
    {
        var document = Load(backupXml);
        var exports = new Dictionary<string, (string, string?)>(StringComparer.Ordinal);
        foreach (var disk in document.Root?.Element("disks")?.Elements("disk") ?? [])
        {
            if ((string?)disk.Attribute("name") is { } name && (string?)disk.Attribute("exportname") is { } exportName)
            {
                exports[name] = (exportName, (string?)disk.Attribute("exportbitmap"));
            }
        }

        return exports;
    }

    private static XDocument Load(string xml)
    {
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, MaxCharactersInDocument = 4 * 1024 * 1024 };
        using var reader = XmlReader.Create(new StringReader(xml), settings);
        try
        {
            return XDocument.Load(reader);
        }
        catch (XmlException ex)
        {
            throw new LibvirtException($"virsh printed XML Lifeboat cannot read ({ex.Message}).", ex);
        }
    }
}
