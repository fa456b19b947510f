using System.Diagnostics;
using System.Text.Json;

namespace Lifeboat.Cli.Tests;

/// <summary>`lifeboat quickstart`, the whole story as a user runs it: a real guest backed up live twice, server, instant recovery from the incremental, live migration.</summary>
public sealed class QuickstartTests
{
    [Fact]
    public void Quickstart_runs_the_whole_story_and_leaves_nothing_running()
    {
        using var t = new TestFolder();
        var work = System.IO.Path.Combine(t.Path, "qs");
        // The quickstart finds tests/guest/build-guest.sh through the source root that ./lifeboat exports.
        var root = FindSourceRoot();
        var result = LifeboatProcess.Run(new Dictionary<string, string> { ["LIFEBOAT_SOURCE_ROOT"] = root, ["LIFEBOAT_SERVER"] = "http://127.0.0.1:1/" },
            "quickstart", "--work", work, "--json").ShouldSucceed();
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.True(json.RootElement.GetProperty("ok").GetBoolean());
        var steps = json.RootElement.GetProperty("steps").EnumerateArray().ToList();
        Assert.True(steps.Count >= 15, $"only {steps.Count} steps");
        Assert.All(steps, s => Assert.True(s.GetProperty("ok").GetBoolean(), s.GetProperty("step").GetString()));
        Assert.Contains(steps, s => s.GetProperty("step").GetString()!.Contains("Migrate", StringComparison.Ordinal));
        Assert.Contains(steps, s => s.GetProperty("step").GetString()!.Contains("production disk", StringComparison.Ordinal));
        var backups = json.RootElement.GetProperty("liveBackups").EnumerateArray().ToList();
        Assert.Equal(2, backups.Count);
        var (first, second) = (backups[0], backups[1]);
        Assert.Equal("file-system-consistent", first.GetProperty("consistency").GetString());
        Assert.Equal("file-system-consistent", second.GetProperty("consistency").GetString());
        Assert.True(second.GetProperty("changeTracking").GetBoolean(), "the second live backup did not use changed-block tracking");
        Assert.Equal(first.GetProperty("restorePointId").GetString(), second.GetProperty("baseRestorePointId").GetString());
        Assert.True(second.GetProperty("bytesRead").GetInt64() < first.GetProperty("bytesRead").GetInt64(), "the incremental read no less than the first");
        Assert.True(second.GetProperty("lastRecordBefore").GetInt64() > first.GetProperty("lastRecordAfter").GetInt64(), "the guest wrote nothing between the backups");
        Assert.Equal(second.GetProperty("restorePointId").GetString(), json.RootElement.GetProperty("restorePointId").GetString());
        Assert.Contains(steps, s => s.GetProperty("step").GetString()!.Contains("incremental restore point", StringComparison.Ordinal));
        Assert.Empty(Processes($"qemu-system-x86_64.*{work}"));
        Assert.Empty(Processes($"lifeboat-server.dll.*{work}"));
    }

    private static string FindSourceRoot()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(System.IO.Path.Combine(folder.FullName, "tests", "guest", "build-guest.sh")))
            folder = folder.Parent;
        return folder?.FullName ?? throw new InvalidOperationException("the tests do not run inside a Lifeboat checkout");
    }

    private static string[] Processes(string pattern)
    {
        var start = new ProcessStartInfo("pgrep", ["-af", pattern]) { RedirectStandardOutput = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.Contains("pgrep", StringComparison.Ordinal)).ToArray();
    }
}
