using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Lifeboat.Cli.Tests;

/// <summary>
/// NfsWriter/nfswriter.c, compiled against libnfs into a test folder and run: a pipelined writer of UNSTABLE WRITEs
/// and COMMITs that rides out server restarts, printing "progress N" as answers come back.
/// </summary>
internal sealed class NfsWriterProcess : IDisposable
{
    private static readonly string Source = Path.Combine(AppContext.BaseDirectory, "NfsWriter", "nfswriter.c");

    private readonly Process _process;
    private readonly Lock _gate = new();
    private readonly StringBuilder _output = new();
    private long _answers;

    private NfsWriterProcess(Process process)
    {
        _process = process;
    }

    /// <summary>Requests answered so far, as the writer last reported.</summary>
    public long Answers => Interlocked.Read(ref _answers);

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_gate)
                return _output.ToString();
        }
    }

    /// <summary>Compiles the writer into <paramref name="folder"/> (cc and libnfs-dev, installed by ./test).</summary>
    public static string Build(string folder)
    {
        var binary = Path.Combine(folder, "nfswriter");
        var start = new ProcessStartInfo("cc") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-O2", "-Wall", "-Werror", "-o", binary, Source, "-lnfs" })
            start.ArgumentList.Add(a);
        using var cc = Process.Start(start)!;
        var stderr = cc.StandardError.ReadToEndAsync();
        cc.StandardOutput.ReadToEnd();
        cc.WaitForExit();
        Assert.True(cc.ExitCode == 0, $"cc could not build {Source} (are gcc and libnfs-dev installed?): {stderr.Result}");
        return binary;
    }

    public static NfsWriterProcess Start(string binary, string url, params string[] options)
    {
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(url);
        foreach (var o in options)
            start.ArgumentList.Add(o);
        var writer = new NfsWriterProcess(Process.Start(start)!);
        writer._process.OutputDataReceived += (_, e) => writer.OnLine(e.Data);
        writer._process.ErrorDataReceived += (_, e) => writer.OnLine(e.Data);
        writer._process.BeginOutputReadLine();
        writer._process.BeginErrorReadLine();
        return writer;
    }

    /// <summary>Polls until the writer reports <paramref name="answers"/> answers; false once <paramref name="timeout"/> passed or it exited.</summary>
    public async Task<bool> WaitForAnswersAsync(long answers, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (Answers < answers)
        {
            if (clock.Elapsed > timeout || _process.HasExited)
                return Answers >= answers;
            await Task.Delay(10);
        }

        return true;
    }

    /// <summary>Closes its stdin: it drains, commits until the verifier holds still, reads every block back and exits.</summary>
    public async Task<int> FinishAsync(TimeSpan timeout)
    {
        _process.StandardInput.Close();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"nfswriter did not finish within {timeout.TotalSeconds:0} s of its stdin closing. Its output:{Environment.NewLine}{Output}");
        }

        // The asynchronous readers may still be delivering the last lines.
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
            return;
        if (line.StartsWith("progress ", StringComparison.Ordinal)
            && long.TryParse(line.AsSpan("progress ".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var answers))
        {
            Interlocked.Exchange(ref _answers, answers);
            return;
        }

        lock (_gate)
            _output.Append(line).Append('\n');
    }
}
