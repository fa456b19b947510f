using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Lifeboat.EndToEnd.Tests;

/// <summary>
/// The real test guest built by tests/guest/build-guest.sh, once per machine into the ignored cache folder
/// (see tests/guest/README.md). Scenarios back it up and boot what the mount server publishes; the cached
/// disk itself is never booted or written.
/// </summary>
public sealed class GuestImage
{
    public const string BootedMarker = "LIFEBOAT-GUEST-BOOTED";
    public const string FoundMarker = "LIFEBOAT-GUEST-FOUND";
    public const string WroteMarker = "LIFEBOAT-GUEST-WROTE";
    public const string PowerOffMarker = "LIFEBOAT-GUEST-POWEROFF";

    /// <summary>The fw_cfg entry the guest reads its mode from.</summary>
    public const string ModeEntry = "opt/lifeboat/mode";

    public GuestImage()
    {
        var script = Path.Combine(RepositoryRoot.Find(), "tests", "guest", "build-guest.sh");
        var built = Tool.RunAsync(Tool.StartInfo("bash", [script]), TimeSpan.FromMinutes(15)).GetAwaiter().GetResult().ShouldSucceed();
        Directory = built.Stdout.Trim().Split('\n')[^1];
        RawDisk = Path.Combine(Directory, "guest.raw");
        VmConfig = Path.Combine(Directory, "guest.json");
        var hardware = JsonNode.Parse(File.ReadAllText(VmConfig))!;
        MemoryMiB = hardware["memoryMiB"]!.GetValue<int>();
        RootPartitionOffset = hardware["partitions"]!["root"]!["offset"]!.GetValue<long>();
        RawDiskSha256 = Sha256Of(RawDisk);
    }

    public string Directory { get; }

    public string RawDisk { get; }

    /// <summary>guest.json: the hardware description a backup records with its restore point.</summary>
    public string VmConfig { get; }

    public int MemoryMiB { get; }

    /// <summary>Where the ext4 root file system starts in the disk, for debugfs and e2fsck.</summary>
    public long RootPartitionOffset { get; }

    /// <summary>The hash of guest.raw when the tests started; a backup restored must give it back.</summary>
    public string RawDiskSha256 { get; }

    public static string Sha256Of(string path)
    {
        using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(file));
    }
}
