using System.Diagnostics;

namespace Lifeboat.FileRestore.Tests.Archives;

/// <summary>Debian's python3, the peer that makes and reads trees with raw byte names (.NET's paths are UTF-16 strings and cannot hold them).</summary>
internal static class Python
{
    public const string Path = "/usr/bin/python3";

    /// <summary>Runs a script with arguments; its stdout, or a failed assertion with its stderr.</summary>
    public static async Task<string> RunAsync(string script, params string[] arguments)
    {
        var (exitCode, output) = await Tools.RunAsync(Path, ["-c", script, .. arguments]);
        Assert.True(exitCode == 0, $"python3 exited {exitCode}: {output}");
        return output;
    }

    /// <summary>Removes a tree with rm: .NET cannot name (so cannot delete) files whose names are not UTF-8.</summary>
    public static void RemoveTree(string path)
    {
        using var rm = Process.Start("rm", ["-rf", "--one-file-system", path]);
        rm.WaitForExit();
    }

    /// <summary>Starts a script whose stdout the caller reads (a file's bytes, a tar).</summary>
    public static Process Start(string script, params string[] arguments)
    {
        var start = new ProcessStartInfo(Path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        return Process.Start(start) ?? throw new InvalidOperationException("Could not start python3.");
    }
}
