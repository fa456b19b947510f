using System.Globalization;
using System.Xml.Linq;
using Lifeboat.Hypervisors.Hosts;
using Lifeboat.Hypervisors.Qemu;
using Lifeboat.Hypervisors.Qemu.GuestAgent;
using Lifeboat.Nbd.Server;

namespace Lifeboat.Hypervisors.Libvirt;

/// <summary>
/// The domain a libvirt host runs for a session: the VM's hardware with its disks as network disks on the mount
/// server (<c>nfs://</c> or <c>nbd://</c>), a serial console, the agent channel, a display that listens nowhere
/// (for screenshots), no NIC unless the session names a network, and Lifeboat's metadata (session, restore point).
/// From the domain XML the backup recorded (when it came from libvirt) it keeps the features, the clock and the
/// devices that name nothing of the old host (controllers, input, video, sound, rng, balloon, watchdog).
/// </summary>
public static class LibvirtHostedDomainXml
{
    /// <summary>The namespace of the metadata element Lifeboat finds its domains by.</summary>
    public const string MetadataNamespace = "https://lifeboat.invalid/xmlns/libvirt-domain/1";

    private static readonly XNamespace Lifeboat = MetadataNamespace;

    /// <param name="domainType"><c>kvm</c> or <c>qemu</c> (TCG), as the host offers.</param>
    /// <exception cref="ArgumentException">A disk is not on the mount server over nfs:// or nbd://; the message names it.</exception>
    public static string Create(HostedVmSpec spec, string domainType)
    {
        var vm = spec.Vm;
        var os = LibvirtOsElement.Create(vm);

        var devices = new XElement("devices");
        for (var i = 0; i < vm.Disks.Count; i++)
            devices.Add(Disk(vm.Disks[i], i));
        if (spec.Network is not null)
        {
            devices.Add(new XElement("interface", new XAttribute("type", "network"), new XElement("source", new XAttribute("network", spec.Network)),
                new XElement("model", new XAttribute("type", vm.Nic == QemuNicModel.E1000 ? "e1000" : "virtio"))));
        }

        devices.Add(new XElement("serial", new XAttribute("type", "pty"), new XElement("target", new XAttribute("port", "0"))));
        devices.Add(new XElement("console", new XAttribute("type", "pty"), new XElement("target", new XAttribute("type", "serial"), new XAttribute("port", "0"))));
        if (vm.GuestAgent)
        {
            devices.Add(new XElement("channel", new XAttribute("type", "unix"),
                new XElement("target", new XAttribute("type", "virtio"), new XAttribute("name", QemuGuestAgentClient.PortName))));
        }

        // The screenshot needs a display; nothing may reach it over the network.
        devices.Add(new XElement("graphics", new XAttribute("type", "vnc"), new XElement("listen", new XAttribute("type", "none"))));
        var recorded = Recorded(spec.RecordedDomainXml);
        devices.Add(KeptDevices(recorded));
        if (devices.Element("video") is null)
            devices.Add(new XElement("video", new XElement("model", new XAttribute("type", "vga"))));

        var domain = new XElement("domain", new XAttribute("type", domainType),
            new XElement("name", vm.Name),
            new XElement("metadata", new XElement(Lifeboat + "vm", new XAttribute(XNamespace.Xmlns + "lifeboat", MetadataNamespace),
                new XElement(Lifeboat + "session", spec.SessionId),
                new XElement(Lifeboat + "restore-point", spec.RestorePointId))),
            new XElement("memory", new XAttribute("unit", "MiB"), vm.MemoryMiB.ToString(CultureInfo.InvariantCulture)),
            new XElement("vcpu", vm.Cpus.ToString(CultureInfo.InvariantCulture)));
        if (vm.FirmwareConfig.Count > 0)
        {
            domain.Add(new XElement("sysinfo", new XAttribute("type", "fwcfg"),
                vm.FirmwareConfig.Select(entry => new XElement("entry", new XAttribute("name", entry.Key), EscapeCommas(entry.Value)))));
        }

        domain.Add(os, recorded?.Element("features") is { } features ? new XElement(features) : new XElement("features", new XElement("acpi")));
        if (recorded?.Element("clock") is { } clock)
            domain.Add(new XElement(clock));
        if (vm.CpuModel is not null)
            domain.Add(new XElement("cpu", new XAttribute("mode", "custom"), new XElement("model", vm.CpuModel)));
        else if (domainType == "kvm")
            domain.Add(new XElement("cpu", new XAttribute("mode", "host-passthrough")));
        domain.Add(new XElement("on_poweroff", "destroy"), new XElement("on_reboot", "restart"), new XElement("on_crash", "destroy"), devices);
        return new XDocument(domain).ToString() + "\n";
    }

    // Of a recorded domain, the devices that name nothing of the host it ran on: disks, NICs, consoles, channels and
    // displays are the session's own, and a host path or device (hostdev, filesystem, a serial's file) would not exist here.
    private static readonly HashSet<string> KeptDeviceNames = ["controller", "input", "video", "sound", "rng", "memballoon", "watchdog"];

    private static XElement? Recorded(string? xml)
    {
        if (string.IsNullOrWhiteSpace(xml))
            return null;
        try
        {
            return XElement.Parse(xml) is { Name.LocalName: "domain" } domain ? domain : null;
        }
        catch (System.Xml.XmlException)
        {
            return null; // a recording that does not parse keeps nothing; the VM's hardware description stands
        }
    }

    private static IEnumerable<XElement> KeptDevices(XElement? recorded) =>
        recorded?.Element("devices")?.Elements()
            .Where(device => KeptDeviceNames.Contains(device.Name.LocalName) && !device.Descendants("source").Any())
            .Where(device => device.Name.LocalName != "rng" || device.Element("backend")?.Value is "/dev/urandom" or "/dev/random")
            .Select(device =>
            {
                var copy = new XElement(device);
                copy.Elements("alias").Remove();
                copy.Elements("address").Remove(); // libvirt places them again on this host's machine type
                return copy;
            }) ?? [];

    /// <summary>The session id and restore point of a domain's Lifeboat metadata element (<see cref="LibvirtDomain.Metadata"/>).</summary>
    public static (string SessionId, string RestorePointId)? ReadMetadata(string? element)
    {
        if (element is null)
            return null;
        // libvirt gives the element back without its namespace.
        var root = XElement.Parse(element);
        var session = root.Elements().FirstOrDefault(child => child.Name.LocalName == "session")?.Value;
        var restorePoint = root.Elements().FirstOrDefault(child => child.Name.LocalName == "restore-point")?.Value;
        return session is null || restorePoint is null ? null : (session, restorePoint);
    }

    /// <summary>The target device names of a VM's disks in order (vda, vdb… or sda…, hda…).</summary>
    public static IReadOnlyList<string> DiskTargets(QemuVmDescription vm) => [.. vm.Disks.Select((disk, index) => Target(disk, index).Device)];

    /// <summary>The block driver a disk needs on the host: <c>nfs</c> or <c>nbd</c>.</summary>
    /// <exception cref="ArgumentException">The disk is neither.</exception>
    public static string Protocol(QemuDisk disk) => Source(disk).Scheme;

    private static XElement Disk(QemuDisk disk, int index)
    {
        var (device, bus) = Target(disk, index);
        return NetworkDisk(disk, device, bus);
    }

    /// <summary>A <c>&lt;disk type='network'&gt;</c> on the mount server with target <paramref name="device"/> on <paramref name="bus"/>.</summary>
    /// <exception cref="ArgumentException">The disk is not on the mount server over nfs:// or nbd://.</exception>
    internal static XElement NetworkDisk(QemuDisk disk, string device, string bus)
    {
        var uri = Source(disk);
        var source = uri.Scheme == "nfs"
            ? new XElement("source", new XAttribute("protocol", "nfs"), new XAttribute("name", Uri.UnescapeDataString(uri.AbsolutePath)),
                new XElement("host", new XAttribute("name", uri.Host)),
                new XElement("identity", new XAttribute("user", "root"), new XAttribute("group", "root")))
            : new XElement("source", new XAttribute("protocol", "nbd"), new XAttribute("name", Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'))),
                new XElement("host", new XAttribute("name", uri.Host), new XAttribute("port", uri.Port == -1 ? NbdServerOptions.DefaultPort : uri.Port)));
        var element = new XElement("disk", new XAttribute("type", "network"), new XAttribute("device", "disk"),
            new XElement("driver", new XAttribute("name", "qemu"), new XAttribute("type", disk.Format == QemuDiskFormat.Qcow2 ? "qcow2" : "raw")),
            source,
            new XElement("target", new XAttribute("dev", device), new XAttribute("bus", bus)));
        if (disk.ReadOnly)
            element.Add(new XElement("readonly"));
        return element;
    }

    private static (string Device, string Bus) Target(QemuDisk disk, int index)
    {
        var (bus, prefix) = disk.Bus switch
        {
            QemuDiskBus.Ide => ("ide", "hd"),
            QemuDiskBus.Scsi => ("scsi", "sd"),
            _ => ("virtio", "vd"),
        };
        return (prefix + (char)('a' + index), bus);
    }

    private static Uri Source(QemuDisk disk) =>
        Uri.TryCreate(disk.Source, UriKind.Absolute, out var uri) && uri.Scheme is "nfs" or "nbd" && uri.Host.Length > 0
            ? uri
            : throw new ArgumentException($"Disk {disk.Source} is not on the mount server over nfs:// or nbd://HOST:PORT/EXPORT, which a libvirt host needs.", nameof(disk));

    /// <summary>
    /// libvirt 9 passes an fwcfg entry to QEMU as <c>-fw_cfg name=N,string=VALUE</c> without doubling the commas in
    /// VALUE, so QEMU would take <c>write,stay</c> for two options; doubled here, QEMU reads the value back whole.
    /// </summary>
    private static string EscapeCommas(string value) => value.Replace(",", ",,", StringComparison.Ordinal);
}
