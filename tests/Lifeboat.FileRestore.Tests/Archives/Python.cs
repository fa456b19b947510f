using System.Diagnostics;

namespace Lifeboat.FileRestore.Tests.Archives;

/// <summary>Debian's python3, the peer that makes and reads trees with raw byte names (.NET's paths are UTF-16 strings and cannot hold them).</summary>
internal static class Python
{
    public const string Path = "/usr/bin/python3";

    /// <summary>Runs a script with arguments; its stdout, or a failed assertion with its stderr.</summary>
    public static Task<string> RunAsync(string script, params string[] arguments) => RunAsync(TimeSpan.FromMinutes(5), script, arguments);

    /// <summary>Runs a script; its stdout, or a failed assertion with its stderr (and the load average, when it ran out of time).</summary>
    public static Task<string> RunAsync(TimeSpan timeout, string script, params string[] arguments) =>
        RunProgramAsync(timeout, Path, ["-c", script, .. arguments]);

    /// <summary>Runs a bash command line that streams gigabytes (a 2 GiB file through unzip or tar): more time than <see cref="Tools"/> gives.</summary>
    public static Task<string> BashAsync(string command) => RunProgramAsync(TimeSpan.FromMinutes(5), "bash", ["-c", command]);

    private static async Task<string> RunProgramAsync(TimeSpan timeout, string program, string[] arguments)
    {
        using var process = StartProgram(program, arguments);
        using var deadline = new CancellationTokenSource(timeout);
        var stdout = process.StandardOutput.ReadToEndAsync(deadline.Token);
        var stderr = process.StandardError.ReadToEndAsync(deadline.Token);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{program} took over {timeout} (load average {File.ReadAllText("/proc/loadavg").Trim()}).");
        }

        var output = await stdout;
        Assert.True(process.ExitCode == 0, $"{program} exited {process.ExitCode}: {await stderr}");
        return output;
    }

    /// <summary>Removes a tree with rm: .NET cannot name (so cannot delete) files whose names are not UTF-8.</summary>
    public static void RemoveTree(string path)
    {
        using var rm = Process.Start("rm", ["-rf", "--one-file-system", path]);
        rm.WaitForExit();
    }

    /// <summary>Starts a script whose stdout the caller reads (a file's bytes, a tar).</summary>
    public static Process Start(string script, params string[] arguments) => StartProgram(Path, ["-c", script, .. arguments]);

    private static Process StartProgram(string program, string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        return Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
    }
}
