using System.Diagnostics;
using System.Text;

namespace Lifeboat.Cli.Tests;

/// <summary>Runs the real `lifeboat` CLI (the built lifeboat.dll next to the tests) as a separate process.</summary>
internal static class LifeboatProcess
{
    private static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "lifeboat.dll");

    public static ProcessStartInfo StartInfo(IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Dll);
        foreach (var a in arguments)
            start.ArgumentList.Add(a);
        start.Environment.Remove("LIFEBOAT_PASSWORD");
        if (environment is not null)
        {
            foreach (var (k, v) in environment)
                start.Environment[k] = v;
        }
        return start;
    }

    public static CliResult Run(params string[] arguments) => Run(null, arguments);

    public static CliResult Run(IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        using var process = Process.Start(StartInfo(environment, arguments))!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            // How far it got and how busy the machine was: a timeout alone says neither.
            var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "unknown";
            throw new TimeoutException(
                $"lifeboat {string.Join(' ', arguments)} did not finish in 3 minutes (load average {load}).\nstdout: {stdout.Result}\nstderr: {stderr.Result}");
        }
        return new CliResult(process.ExitCode, stdout.Result, stderr.Result);
    }
}

internal sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public CliResult ShouldSucceed()
    {
        Assert.True(ExitCode == 0, $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}");
        return this;
    }

    public override string ToString() => new StringBuilder().Append("exit ").Append(ExitCode)
        .Append("\nstdout: ").Append(Stdout).Append("\nstderr: ").Append(Stderr).ToString();
}
