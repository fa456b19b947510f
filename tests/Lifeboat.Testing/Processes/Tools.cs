using System.Diagnostics;
using System.Text;

namespace Lifeboat.Testing.Processes;

/// <summary>
/// Runs the command line tools the tests start (Debian's peers, qemu-img, virsh, ip…) to their end, with standard input
/// closed and a time limit past which the tool is killed.
/// </summary>
public static class Tools
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(3);

    public static Task<ToolResult> RunAsync(string fileName, params string[] arguments) =>
        RunAsync(StartInfo(fileName, arguments), DefaultTimeout);

    /// <summary>Runs a tool as the local attacker of the tests: nobody, with no groups (setpriv).</summary>
    public static Task<ToolResult> RunAsNobodyAsync(string fileName, params string[] arguments) =>
        RunAsync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", fileName, .. arguments]);

    /// <summary>Runs a tool that must succeed; a failure fails the test with everything the tool printed.</summary>
    public static async Task<ToolResult> RunOkAsync(string fileName, params string[] arguments) =>
        (await RunAsync(fileName, arguments)).ShouldSucceed();

    /// <summary>As <see cref="RunOkAsync"/>, giving what the tool printed on both streams.</summary>
    public static async Task<string> RunCheckedAsync(string fileName, params string[] arguments) =>
        (await RunOkAsync(fileName, arguments)).Output;

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
            start.ArgumentList.Add(argument);

        // Repositories in tests are not encrypted unless a test says so: a password from the caller's environment must not leak in.
        start.Environment.Remove("LIFEBOAT_PASSWORD");
        return start;
    }

    /// <exception cref="TimeoutException">The tool still ran after <paramref name="timeout"/>; it was killed.</exception>
    public static async Task<ToolResult> RunAsync(ProcessStartInfo start, TimeSpan timeout)
    {
        var command = Describe(start);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{command} did not start.");
        process.StandardInput.Close();
        using var output = new MemoryStream();
        var stdout = process.StandardOutput.BaseStream.CopyToAsync(output);
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
            // How far it got and how busy the machine was: a timeout alone says neither.
            var load = File.Exists("/proc/loadavg") ? (await File.ReadAllTextAsync("/proc/loadavg")).Trim() : "unknown";
            throw new TimeoutException(
                $"{command} did not finish within {timeout.TotalSeconds:0} s (load average {load}) and was killed.{Environment.NewLine}stdout: {Encoding.UTF8.GetString(output.ToArray())}{Environment.NewLine}stderr: {await stderr}");
        }

        await stdout;
        return new ToolResult(command, process.ExitCode, output.ToArray(), await stderr);
    }

    /// <summary>Whether <paramref name="program"/> is on the PATH.</summary>
    public static bool Exists(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Any(folder => File.Exists(Path.Combine(folder, program)));

    public static string Describe(ProcessStartInfo start) => $"{start.FileName} {string.Join(' ', start.ArgumentList)}";
}
