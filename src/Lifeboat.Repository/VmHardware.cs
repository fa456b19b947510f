using System.Globalization;
using System.Text.Json;
using System.Xml;
using System.Xml.Linq;

namespace Lifeboat.Repository;

/// <summary>
/// The hardware a restored VM needs, parsed from a JSON description or a libvirt domain XML. Fields the
/// source does not give are null; everything else stays in the raw text kept with the restore point.
/// </summary>
public sealed record VmHardware(
    int? Cpus = null,
    long? MemoryMiB = null,
    string? DiskBus = null,
    string? NicModel = null,
    string? Firmware = null,
    string? Kernel = null,
    string? Initrd = null,
    string? Cmdline = null,
    bool? GuestAgent = null,
    IReadOnlyList<string?>? DiskBuses = null)
{
    /// <summary>More disks than any hypervisor attaches: a longer list in a configuration is refused.</summary>
    public const int MaxDisks = 256;

    /// <summary>The bus of disk <paramref name="index"/>: its own when the configuration gave one per disk, else <see cref="DiskBus"/>.</summary>
    public string? BusOfDisk(int index) =>
        DiskBuses is { } buses && index < buses.Count && buses[index] is { } bus ? bus : DiskBus;

    /// <summary>The name of the virtio-serial port QEMU's guest agent (qemu-ga) listens on in the guest.</summary>
    public const string GuestAgentChannelName = "org.qemu.guest_agent.0";

    public const string JsonFormat = "json";
    public const string LibvirtXmlFormat = "libvirt-xml";
    public const int MaxTextLength = 1024 * 1024;

    /// <summary>"json" when the text starts with '{', "libvirt-xml" when it starts with '&lt;'.</summary>
    public static string DetectFormat(string text)
    {
        var trimmed = text.AsSpan().TrimStart();
        if (trimmed.StartsWith('{'))
        {
            return JsonFormat;
        }

        if (trimmed.StartsWith('<'))
        {
            return LibvirtXmlFormat;
        }

        throw new FormatException("The VM configuration is neither JSON (starting with '{') nor a libvirt domain XML (starting with '<').");
    }

    /// <summary>
    /// Parses JSON ({"cpus":2,"memoryMiB":512,"guestAgent":true,...}) or libvirt domain XML; throws FormatException with a
    /// clear message. <see cref="GuestAgent"/> comes from JSON's "guestAgent", or from a libvirt <c>&lt;channel&gt;</c> whose
    /// target is named <c>org.qemu.guest_agent.0</c>.
    /// </summary>
    public static VmHardware Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > MaxTextLength)
        {
            throw new FormatException("The VM configuration is larger than 1 MiB; give the VM's own configuration file.");
        }

        return DetectFormat(text) == JsonFormat ? ParseJson(text) : ParseLibvirtXml(text);
    }

    private static VmHardware ParseJson(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 64, CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("The VM configuration JSON must be an object like {\"cpus\":2,\"memoryMiB\":512}.");
            }

            return new VmHardware(
                Cpus: (int?)GetNumber(root, "cpus"),
                MemoryMiB: GetNumber(root, "memoryMiB"),
                DiskBus: GetString(root, "diskBus"),
                NicModel: GetString(root, "nicModel"),
                Firmware: GetString(root, "firmware"),
                Kernel: GetString(root, "kernel"),
                Initrd: GetString(root, "initrd"),
                Cmdline: GetString(root, "cmdline"),
                GuestAgent: GetBoolean(root, "guestAgent"),
                DiskBuses: GetStrings(root, "diskBuses"));
        }
        catch (JsonException ex)
        {
            throw new FormatException($"The VM configuration is not valid JSON ({ex.Message}).", ex);
        }
    }

    private static long? GetNumber(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out long number) && number is > 0 and <= int.MaxValue * 1024L)
        {
            return name == "cpus" && number > 4096 ? throw new FormatException($"The VM configuration's \"{name}\" is out of range.") : number;
        }

        throw new FormatException($"The VM configuration's \"{name}\" must be a positive whole number.");
    }

    private static string?[]? GetStrings(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() > MaxDisks
            || value.EnumerateArray().Any(item => item.ValueKind is not (JsonValueKind.String or JsonValueKind.Null)))
        {
            throw new FormatException($"The VM configuration's \"{name}\" must be a list of at most {MaxDisks} strings (or nulls), one per disk.");
        }

        return [.. value.EnumerateArray().Select(item => item.GetString())];
    }

    private static bool? GetBoolean(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new FormatException($"The VM configuration's \"{name}\" must be true or false."),
        };
    }

    private static string? GetString(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw new FormatException($"The VM configuration's \"{name}\" must be a string.");
    }

    private static VmHardware ParseLibvirtXml(string text)
    {
        XDocument document;
        try
        {
            var settings = new XmlReaderSettings
            {
                DtdProcessing = DtdProcessing.Prohibit,
                XmlResolver = null,
                MaxCharactersInDocument = MaxTextLength,
            };
            using var reader = XmlReader.Create(new StringReader(text), settings);
            document = XDocument.Load(reader);
        }
        catch (XmlException ex)
        {
            throw new FormatException($"The VM configuration is not valid XML ({ex.Message}).", ex);
        }

        var domain = document.Root;
        if (domain is null || domain.Name.LocalName != "domain")
        {
            throw new FormatException("The VM configuration XML is not a libvirt domain (its root element must be <domain>).");
        }

        var os = domain.Element("os");
        var devices = domain.Element("devices");
        var disks = devices?.Elements("disk").Where(d => (string?)d.Attribute("device") is null or "disk").Take(MaxDisks + 1).ToList() ?? [];
        if (disks.Count > MaxDisks)
        {
            throw new FormatException($"The VM configuration XML has more than {MaxDisks} disks.");
        }

        var disk = disks.FirstOrDefault();
        return new VmHardware(
            Cpus: ParseCpus(domain.Element("vcpu")),
            MemoryMiB: ParseMemory(domain.Element("memory")),
            DiskBus: (string?)disk?.Element("target")?.Attribute("bus"),
            NicModel: (string?)devices?.Element("interface")?.Element("model")?.Attribute("type"),
            Firmware: ParseFirmware(os),
            Kernel: NullIfEmpty(os?.Element("kernel")?.Value),
            Initrd: NullIfEmpty(os?.Element("initrd")?.Value),
            Cmdline: NullIfEmpty(os?.Element("cmdline")?.Value),
            GuestAgent: devices is null ? null : HasGuestAgentChannel(devices),
            DiskBuses: disks.Count == 0 ? null : [.. disks.Select(d => (string?)d.Element("target")?.Attribute("bus"))]);
    }

    /// <summary>libvirt's agent channel: <c>&lt;channel type='unix'&gt;&lt;target type='virtio' name='org.qemu.guest_agent.0'/&gt;&lt;/channel&gt;</c>.</summary>
    private static bool HasGuestAgentChannel(XElement devices) =>
        devices.Elements("channel").Any(channel =>
            channel.Element("target") is { } target
            && (string?)target.Attribute("type") is null or "virtio"
            && (string?)target.Attribute("name") == GuestAgentChannelName);

    private static int? ParseCpus(XElement? vcpu)
    {
        if (vcpu is null)
        {
            return null;
        }

        return int.TryParse(vcpu.Value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int cpus) && cpus is > 0 and <= 4096
            ? cpus
            : throw new FormatException("The VM configuration's <vcpu> must be a whole number of CPUs.");
    }

    private static long? ParseMemory(XElement? memory)
    {
        if (memory is null)
        {
            return null;
        }

        if (!long.TryParse(memory.Value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long amount))
        {
            throw new FormatException("The VM configuration's <memory> must be a whole number.");
        }

        // libvirt's default unit is KiB; units are powers of 1024 except the SI ones (KB, MB, GB, TB).
        double bytesPerUnit = ((string?)memory.Attribute("unit") ?? "KiB") switch
        {
            "b" or "bytes" => 1,
            "KB" => 1e3,
            "k" or "KiB" => 1024,
            "MB" => 1e6,
            "M" or "MiB" => 1024 * 1024,
            "GB" => 1e9,
            "G" or "GiB" => 1024.0 * 1024 * 1024,
            "TB" => 1e12,
            "T" or "TiB" => 1024.0 * 1024 * 1024 * 1024,
            var unit => throw new FormatException($"The VM configuration's <memory> has an unknown unit '{unit}'."),
        };
        double mib = amount * bytesPerUnit / (1024 * 1024);
        return mib is > 0 and < long.MaxValue ? (long)Math.Ceiling(mib) : throw new FormatException("The VM configuration's <memory> is out of range.");
    }

    private static string? ParseFirmware(XElement? os)
    {
        if (os is null)
        {
            return null;
        }

        string? firmware = (string?)os.Attribute("firmware");
        if (!string.IsNullOrEmpty(firmware))
        {
            return firmware;
        }

        var loader = os.Element("loader");
        if (loader is null)
        {
            return "bios";
        }

        return (string?)loader.Attribute("type") == "pflash" || loader.Value.Contains("OVMF", StringComparison.OrdinalIgnoreCase)
            || loader.Value.Contains("AAVMF", StringComparison.OrdinalIgnoreCase)
            ? "efi"
            : "bios";
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
