using System.Diagnostics;
using System.Text.Json;

namespace Lifeboat.Cli.Tests;

/// <summary>`lifeboat quickstart`, the whole story as a user runs it: real guest, server, instant recovery, live migration.</summary>
public sealed class QuickstartTests
{
    [Fact]
    public void Quickstart_runs_the_whole_story_and_leaves_nothing_running()
    {
        using var t = new TempFolder();
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
