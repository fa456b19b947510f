using System.Text.Json.Nodes;

namespace Lifeboat.Hypervisors.Tests;

/// <summary>
/// The real test guest built by tests/guest/build-guest.sh, once per machine into the ignored cache
/// folder. Tests boot copy-on-write overlays of it, never the cached disk itself.
/// </summary>
public sealed class GuestImage
{
    public const string BootedMarker = "LIFEBOAT-GUEST-BOOTED";
    public const string FoundMarker = "LIFEBOAT-GUEST-FOUND";
    public const string WroteMarker = "LIFEBOAT-GUEST-WROTE";
    public const string TickMarker = "LIFEBOAT-GUEST-TICK";
    public const string PowerOffMarker = "LIFEBOAT-GUEST-POWEROFF";

    /// <summary>The fw_cfg entry the guest reads its mode from (see tests/guest/README.md).</summary>
    public const string ModeEntry = "opt/lifeboat/mode";

    public GuestImage()
    {
        var script = Path.Combine(FindRepositoryRoot(), "tests", "guest", "build-guest.sh");
        Directory = ExternalCommand.RunAsync("bash", script).GetAwaiter().GetResult().Trim().Split('\n')[^1];
        RawDisk = Path.Combine(Directory, "guest.raw");
        Hardware = JsonNode.Parse(File.ReadAllText(Path.Combine(Directory, "guest.json")))!.AsObject();
    }

    public string Directory { get; }

    public string RawDisk { get; }

    /// <summary>guest.json: cpus, memoryMiB, diskBus, nicModel, firmware, partitions.</summary>
    public JsonObject Hardware { get; }

    public int MemoryMiB => Hardware["memoryMiB"]!.GetValue<int>();

    /// <summary>Where the ext4 root file system starts in the disk, for debugfs and e2fsck.</summary>
    public long RootPartitionOffset => Hardware["partitions"]!["root"]!["offset"]!.GetValue<long>();

    /// <summary>A qcow2 overlay backed by the cached raw disk: the guest's writes land in it only.</summary>
    public async Task<string> CreateOverlayAsync(string folder)
    {
        var overlay = Path.Combine(folder, "guest.qcow2");
        await ExternalCommand.RunAsync("qemu-img", "create", "-q", "-f", "qcow2", "-b", RawDisk, "-F", "raw", overlay);
        return overlay;
    }

    private static string FindRepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Lifeboat.slnx")))
            {
                return folder.FullName;
            }
        }

        return Environment.GetEnvironmentVariable("LIFEBOAT_REPO")
            ?? throw new InvalidOperationException("Cannot find Lifeboat.slnx above the test binaries; set LIFEBOAT_REPO to the repository.");
    }
}
