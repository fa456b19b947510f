using System.Diagnostics;

namespace Lifeboat.Tests.Shared;

/// <summary>Runs the Debian tools the tests compare against.</summary>
internal static class Tools
{
    public static async Task<(int ExitCode, string Output)> RunAsync(string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>Runs a tool as the local attacker of the tests: nobody, with no groups (setpriv).</summary>
    public static Task<(int ExitCode, string Output)> RunAsNobodyAsync(string fileName, params string[] arguments) =>
        RunAsync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", fileName, .. arguments]);

    public static async Task<string> RunCheckedAsync(string fileName, params string[] arguments)
    {
        var (exitCode, output) = await RunAsync(fileName, arguments);
        Assert.True(exitCode == 0, $"{fileName} {string.Join(' ', arguments)} exited {exitCode}: {output}");
        return output;
    }
}
