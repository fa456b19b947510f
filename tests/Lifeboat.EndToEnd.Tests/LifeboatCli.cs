using System.Diagnostics;
using System.Text.Json;

namespace Lifeboat.EndToEnd.Tests;

/// <summary>The real `lifeboat` command: lifeboat.dll, built next to the tests, run with `dotnet`.</summary>
internal static class LifeboatCli
{
    public static ProcessStartInfo StartInfo(params IEnumerable<string> arguments) => LifeboatProcess.StartInfo(null, [.. arguments]);

    public static Task<ToolResult> RunAsync(params string[] arguments) => Tools.RunAsync(StartInfo(arguments), Tools.DefaultTimeout);

    /// <summary>Runs a verb with --json, checks that it succeeded and returns its document.</summary>
    public static async Task<JsonElement> RunJsonAsync(params string[] arguments)
    {
        var result = (await RunAsync([.. arguments, "--json"])).ShouldSucceed();
        using var document = JsonDocument.Parse(result.Stdout);
        return document.RootElement.Clone();
    }

    /// <summary>Creates a repository and backs <paramref name="disk"/> up as VM <paramref name="vm"/>; returns the restore point's id.</summary>
    public static async Task<string> BackUpAsync(string repository, string vm, string disk, string? vmConfig)
    {
        await RunJsonAsync("repo", "init", repository);
        string[] backup = ["backup", "--repo", repository, "--vm", vm, "--disk", disk];
        if (vmConfig is not null)
        {
            backup = [.. backup, "--vm-config", vmConfig];
        }

        return (await RunJsonAsync(backup)).GetProperty("restorePointId").GetString()!;
    }
}
