using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Lifeboat.Testing.Files;
using Lifeboat.Testing.Processes;

namespace Lifeboat.Testing.Guests;

/// <summary>
/// The real test guest built by tests/guest/build-guest.sh, once per machine into the ignored cache folder
/// (see tests/guest/README.md). Tests back it up, or boot copy-on-write overlays and copies of it; the cached disk
/// itself is never booted or written.
/// </summary>
public sealed class GuestImage
{
    public const string BootedMarker = "LIFEBOAT-GUEST-BOOTED";
    public const string FoundMarker = "LIFEBOAT-GUEST-FOUND";
    public const string WroteMarker = "LIFEBOAT-GUEST-WROTE";
    public const string TickMarker = "LIFEBOAT-GUEST-TICK";
    public const string PowerOffMarker = "LIFEBOAT-GUEST-POWEROFF";

    /// <summary>The fw_cfg entry the guest reads its mode from.</summary>
    public const string ModeEntry = "opt/lifeboat/mode";

    /// <summary>A first build on a fresh machine downloads nothing but takes minutes under load.</summary>
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(15);

    public GuestImage()
    {
        var script = Path.Combine(RepositoryRoot.Find(), "tests", "guest", "build-guest.sh");
        var built = Tools.RunAsync(Tools.StartInfo("bash", [script]), BuildTimeout).GetAwaiter().GetResult().ShouldSucceed();
        Directory = built.Stdout.Trim().Split('\n')[^1];
        RawDisk = Path.Combine(Directory, "guest.raw");
        HardwareJson = Path.Combine(Directory, "guest.json");
        Hardware = JsonNode.Parse(File.ReadAllText(HardwareJson))!.AsObject();
    }

    public string Directory { get; }

    public string RawDisk { get; }

    /// <summary>guest.json: the hardware description a backup records with its restore point.</summary>
    public string HardwareJson { get; }

    /// <summary>guest.json read: cpus, memoryMiB, diskBus, nicModel, firmware, partitions.</summary>
    public JsonObject Hardware { get; }

    public int MemoryMiB => Hardware["memoryMiB"]!.GetValue<int>();

    /// <summary>Where the ext4 root file system starts in the disk, for debugfs and e2fsck.</summary>
    public long RootPartitionOffset => Hardware["partitions"]!["root"]!["offset"]!.GetValue<long>();

    /// <summary>The hash of guest.raw now; a backup restored must give it back.</summary>
    public string RawDiskSha256() => Sha256Of(RawDisk);

    public static string Sha256Of(string path)
    {
        using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(file));
    }

    /// <summary>A qcow2 overlay backed by the cached raw disk: the guest's writes land in it only.</summary>
    public async Task<string> CreateOverlayAsync(string folder)
    {
        var overlay = Path.Combine(folder, "guest.qcow2");
        await Tools.RunOkAsync("qemu-img", "create", "-q", "-f", "qcow2", "-b", RawDisk, "-F", "raw", overlay);
        return overlay;
    }

    /// <summary>The SHA-256 of /data/marker inside a raw disk image of this guest, read with debugfs without mounting anything.</summary>
    public async Task<string> MarkerHashAsync(string rawDisk)
    {
        var marker = await Tools.RunOkAsync("debugfs", "-R", "cat /data/marker", $"{rawDisk}?offset={RootPartitionOffset}");
        return Convert.ToHexStringLower(SHA256.HashData(marker.StdoutBytes));
    }
}
