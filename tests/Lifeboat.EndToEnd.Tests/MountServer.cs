using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Lifeboat.EndToEnd.Tests;

/// <summary>
/// A running `lifeboat mount-server --json`, optionally inside a network namespace. It is ready once it
/// has printed its JSON document (after the publications given at start are made). Everything it prints
/// on stdout and stderr is kept for assertions and failure messages.
/// </summary>
internal sealed partial class MountServer : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    private readonly Process _process;
    private readonly Lock _gate = new();
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _document = new();
    private readonly TaskCompletionSource<string> _documentPrinted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _inDocument;

    private MountServer(Process process)
    {
        _process = process;
    }

    public int ProcessId => _process.Id;

    public int NfsPort { get; private set; }

    public IReadOnlyList<Publication> Publications { get; private set; } = [];

    /// <summary>All lines printed so far, stdout and stderr interleaved as they came.</summary>
    public string Output
    {
        get
        {
            lock (_gate)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    /// <exception cref="InvalidOperationException">The server exited or printed nothing usable in time; the message holds its output.</exception>
    public static async Task<MountServer> StartAsync(MountServerArguments arguments, NetworkNamespace? network = null)
    {
        var commandLine = arguments.ToCommandLine();
        var start = network is null ? LifeboatCli.StartInfo(commandLine) : network.StartInfo("dotnet", [LifeboatProcess.Dll, .. commandLine]);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{Tools.Describe(start)} did not start.");
        var server = new MountServer(process);
        process.OutputDataReceived += (_, e) => server.OnLine(e.Data, fromStdout: true);
        process.ErrorDataReceived += (_, e) => server.OnLine(e.Data, fromStdout: false);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.StandardInput.Close();
        try
        {
            await server.ReadDocumentAsync(Tools.Describe(start));
        }
        catch
        {
            server.Dispose();
            throw;
        }

        return server;
    }

    public Publication Publication(string name) =>
        Publications.SingleOrDefault(p => p.Name == name)
        ?? throw new InvalidOperationException($"The mount server does not publish '{name}'. Its output:{Environment.NewLine}{Output}");

    /// <summary>The server's resident memory, from /proc/PID/status.</summary>
    public long ResidentBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{ProcessId}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var kilobytes = long.Parse(line["VmRSS:".Length..].Replace("kB", "", StringComparison.Ordinal).Trim(), CultureInfo.InvariantCulture);
                return kilobytes * 1024;
            }
        }

        throw new InvalidOperationException($"/proc/{ProcessId}/status has no VmRSS line.");
    }

    /// <summary>Waits until a printed line matches <paramref name="predicate"/>, described by <paramref name="what"/>; returns that line.</summary>
    public async Task<string> WaitForOutputAsync(string what, Func<string, bool> predicate, TimeSpan timeout)
    {
        var elapsed = Stopwatch.StartNew();
        while (true)
        {
            var line = Output.Split('\n').FirstOrDefault(predicate);
            if (line is not null)
            {
                return line;
            }

            if (elapsed.Elapsed > timeout)
            {
                throw new TimeoutException($"The mount server printed no line {what} within {timeout.TotalSeconds:0} s. Its output:{Environment.NewLine}{Output}");
            }

            await Task.Delay(PollInterval);
        }
    }

    /// <summary>SIGKILL, as a crash or a power cut of the process would: nothing gets flushed or closed.</summary>
    public void KillHard()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    /// <summary>SIGTERM, as a service manager stops it; returns its exit code.</summary>
    public async Task<int> StopAsync()
    {
        (await Tools.RunAsync("kill", "-TERM", ProcessId.ToString(CultureInfo.InvariantCulture))).ShouldSucceed();
        using var deadline = new CancellationTokenSource(StopTimeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The mount server did not stop within {StopTimeout.TotalSeconds:0} s of SIGTERM. Its output:{Environment.NewLine}{Output}");
        }

        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            KillHard();
        }

        _process.Dispose();
    }

    private async Task ReadDocumentAsync(string command)
    {
        var exited = _process.WaitForExitAsync();
        var printed = await Task.WhenAny(_documentPrinted.Task, exited, Task.Delay(StartTimeout));
        if (printed != _documentPrinted.Task)
        {
            var why = printed == exited ? $"exited with code {_process.ExitCode}" : $"printed no JSON document within {StartTimeout.TotalSeconds:0} s";
            throw new InvalidOperationException($"{command} {why}. Its output:{Environment.NewLine}{Output}");
        }

        using var document = JsonDocument.Parse(await _documentPrinted.Task);
        var root = document.RootElement;
        NfsPort = root.GetProperty("nfsPort").GetInt32();
        Publications =
        [
            .. root.GetProperty("publications").EnumerateArray().Select(p => new Publication(
                p.GetProperty("name").GetString()!,
                p.GetProperty("restorePointId").GetString()!,
                [.. p.GetProperty("diskUrls").EnumerateArray().Select(u => u.GetString()!)],
                [.. p.GetProperty("diskUrlsWithPorts").EnumerateArray().Select(u => u.GetString()!)])),
        ];
    }

    private void OnLine(string? line, bool fromStdout)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            _output.Append(line).Append('\n');
            // The document is the lines from "{" to "}" on stdout; log lines that may come between are not part of it.
            if (!fromStdout || _documentPrinted.Task.IsCompleted || LogLine().IsMatch(line))
            {
                return;
            }

            if (line == "{")
            {
                _inDocument = true;
            }

            if (_inDocument)
            {
                _document.Append(line).Append('\n');
                if (line == "}")
                {
                    _documentPrinted.TrySetResult(_document.ToString());
                }
            }
        }
    }

    [GeneratedRegex(@"^\d\d:\d\d:\d\d (trce|dbug|info|warn|fail|crit):")]
    private static partial Regex LogLine();
}
