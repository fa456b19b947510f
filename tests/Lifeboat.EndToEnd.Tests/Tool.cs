using System.Diagnostics;

namespace Lifeboat.EndToEnd.Tests;

/// <summary>Runs a command line tool to its end, killing it when it outlives its time.</summary>
internal static class Tool
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(3);

    public static Task<ToolResult> RunAsync(string fileName, params string[] arguments) =>
        RunAsync(StartInfo(fileName, arguments), DefaultTimeout);

    public static ProcessStartInfo StartInfo(string fileName, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Repositories in these tests are not encrypted: a password from the caller's environment must not leak in.
        start.Environment.Remove("LIFEBOAT_PASSWORD");
        return start;
    }

    /// <exception cref="TimeoutException">The tool still ran after <paramref name="timeout"/>; it was killed.</exception>
    public static async Task<ToolResult> RunAsync(ProcessStartInfo start, TimeSpan timeout)
    {
        var command = Describe(start);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{command} did not start.");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"{command} did not finish within {timeout.TotalSeconds:0} s and was killed. stderr: {await stderr}");
        }

        return new ToolResult(command, process.ExitCode, await stdout, await stderr);
    }

    public static string Describe(ProcessStartInfo start) => $"{start.FileName} {string.Join(' ', start.ArgumentList)}";
}
