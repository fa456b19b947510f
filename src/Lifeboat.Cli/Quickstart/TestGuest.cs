using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Lifeboat.Cli.Quickstart;

/// <summary>
/// The small real VM the story recovers: Debian's kernel and busybox on a disk that boots by itself, built once per
/// machine by tests/guest/build-guest.sh (see tests/guest/README.md), and only ever read here.
/// </summary>
internal sealed class TestGuest
{
    public const string SourceRootVariable = "LIFEBOAT_SOURCE_ROOT";
    public const string ModeEntry = "opt/lifeboat/mode";
    /// <summary>What every line the guest's init prints starts with (tests/guest/README.md lists them).</summary>
    public const string MarkerPrefix = "LIFEBOAT-GUEST-";
    public const string BootedMarker = "LIFEBOAT-GUEST-BOOTED";
    public const string WroteMarker = "LIFEBOAT-GUEST-WROTE";
    public const string TickMarker = "LIFEBOAT-GUEST-TICK";

    /// <summary>guest.json is a few hundred bytes; anything this large is not the build script's.</summary>
    private const int MaxDescriptionBytes = 64 * 1024;

    private TestGuest(string directory, string name, string kernelVersion, long rootPartitionOffset)
    {
        Directory = directory;
        Name = name;
        KernelVersion = kernelVersion;
        RootPartitionOffset = rootPartitionOffset;
    }

    public string Directory { get; }

    /// <summary>The VM's name as the guest's hardware description gives it.</summary>
    public string Name { get; }

    public string KernelVersion { get; }

    /// <summary>Where the ext4 root file system starts in the raw disk, for debugfs.</summary>
    public long RootPartitionOffset { get; }

    public string RawDisk => Path.Combine(Directory, "guest.raw");

    public string HardwareJson => Path.Combine(Directory, "guest.json");

    /// <summary>Runs the build script (about 0.1 s once the guest is built; its progress shows on stderr) and reads the result.</summary>
    public static async Task<TestGuest> BuildAsync(CancellationToken ct)
    {
        var root = SourceRoot();
        var script = Path.Combine(root, "tests", "guest", "build-guest.sh");
        var output = await ExternalProgram.RunAsync("bash", [script], "bash", ct, showProgress: true);
        var lines = Encoding.UTF8.GetString(output).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length == 0 || !System.IO.Directory.Exists(lines[^1]))
            throw new CliException($"{script} did not print the folder it built the guest into; run it by hand to see why.");
        return Read(lines[^1]);
    }

    /// <summary>The SHA-256 of a file inside the guest's root file system on a raw disk, read with debugfs (nothing is mounted).</summary>
    public async Task<string> FileHashAsync(string rawDisk, string path, CancellationToken ct) =>
        Convert.ToHexStringLower(SHA256.HashData(await ReadFileAsync(rawDisk, path, ct)));

    public Task<byte[]> ReadFileAsync(string rawDisk, string path, CancellationToken ct) =>
        ExternalProgram.RunAsync("debugfs", ["-R", $"cat {path}", $"{rawDisk}?offset={RootPartitionOffset}"], "e2fsprogs", ct);

    private static TestGuest Read(string directory)
    {
        var description = Path.Combine(directory, "guest.json");
        try
        {
            using var stream = File.OpenRead(description);
            if (stream.Length > MaxDescriptionBytes)
                throw new CliException($"{description} is {stream.Length} bytes, not the guest's small description; delete {directory} and run again to rebuild it.");
            using var json = JsonDocument.Parse(stream);
            var root = json.RootElement;
            return new TestGuest(
                directory,
                root.GetProperty("name").GetString() ?? "lifeboat-guest",
                root.GetProperty("kernelVersion").GetString() ?? "unknown",
                root.GetProperty("partitions").GetProperty("root").GetProperty("offset").GetInt64());
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or FileNotFoundException)
        {
            throw new CliException($"{description} is not the guest description build-guest.sh writes ({e.Message}); delete {directory} and run again to rebuild it.");
        }
    }

    /// <summary>LIFEBOAT_SOURCE_ROOT (./lifeboat sets it), else the source tree the CLI was built in.</summary>
    private static string SourceRoot()
    {
        if (Environment.GetEnvironmentVariable(SourceRootVariable) is { Length: > 0 } configured)
        {
            if (!File.Exists(Path.Combine(configured, "tests", "guest", "build-guest.sh")))
                throw new CliException($"{SourceRootVariable}={configured} holds no tests/guest/build-guest.sh; point it at the Lifeboat source folder.");
            return configured;
        }

        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "tests", "guest", "build-guest.sh")))
                return folder.FullName;
        }

        throw new CliException($"The quickstart builds its VM from the Lifeboat sources: run it as ./lifeboat quickstart from the source folder, or set {SourceRootVariable} to it.");
    }
}
