using System.Text;

namespace Lifeboat.Server.Tests.Support;

/// <summary>The real test guest (tests/guest/build-guest.sh), built once per machine and only ever read.</summary>
public sealed class GuestImage
{
    public const string BootedMarker = "LIFEBOAT-GUEST-BOOTED";
    public const string WroteMarker = "LIFEBOAT-GUEST-WROTE";
    public const string TickMarker = "LIFEBOAT-GUEST-TICK";
    public const string ModeEntry = "opt/lifeboat/mode";

    /// <summary>The ext4 root partition's offset in guest.raw, for debugfs (tests/guest/README.md).</summary>
    public const long RootPartitionOffset = 34603008;

    public GuestImage()
    {
        RepositoryRoot = FindRepositoryRoot();
        var script = Path.Combine(RepositoryRoot, "tests", "guest", "build-guest.sh");
        var output = Encoding.UTF8.GetString(ExternalCommand.RunAsync("bash", script).GetAwaiter().GetResult());
        Directory = output.Trim().Split('\n')[^1];
        RawDisk = Path.Combine(Directory, "guest.raw");
        HardwareJson = Path.Combine(Directory, "guest.json");
    }

    public string RepositoryRoot { get; }

    public string Directory { get; }

    public string RawDisk { get; }

    public string HardwareJson { get; }

    /// <summary>The SHA-256 of /data/marker inside a raw disk image, read with debugfs without mounting anything.</summary>
    public static async Task<string> MarkerHashAsync(string rawDisk)
    {
        var bytes = await ExternalCommand.RunAsync("debugfs", "-R", "cat /data/marker", $"{rawDisk}?offset={RootPartitionOffset}");
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
    }

    private static string FindRepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Lifeboat.slnx")))
                return folder.FullName;
        }

        return Environment.GetEnvironmentVariable("LIFEBOAT_REPO")
            ?? throw new InvalidOperationException("Cannot find Lifeboat.slnx above the test binaries; set LIFEBOAT_REPO to the repository.");
    }
}
