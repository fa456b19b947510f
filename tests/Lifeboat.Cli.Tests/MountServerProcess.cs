using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Lifeboat.Cli.Tests;

/// <summary>`lifeboat mount-server` as a user starts it, on loopback without portmap, for the tests that talk to one.</summary>
internal static class MountServerProcess
{
    /// <summary>
    /// Starts the mount server and returns once it reports that it listens (killed after 60 s of silence). NBD is
    /// off unless <paramref name="extra"/> gives an --nbd-port: tests run side by side, and 10809 is one port.
    /// </summary>
    public static Process Start(string repo, string cache, int port, params string[] extra) => Start(repo, cache, port, _ => { }, extra);

    /// <summary>As <see cref="Start(string, string, int, string[])"/>, handing every line it prints (stdout and stderr) to <paramref name="onLine"/>.</summary>
    public static Process Start(string repo, string cache, int port, Action<string> onLine, params string[] extra) =>
        Start(repo, cache, port, onLine, onLine, extra);

    /// <summary>As <see cref="Start(string, string, int, string[])"/>, handing the lines of stdout and of stderr (the log) to a callback each.</summary>
    public static Process Start(string repo, string cache, int port, Action<string> onOutput, Action<string> onError, params string[] extra)
    {
        string[] nbd = extra.Contains("--nbd-port") ? [] : ["--nbd-port", "0"];
        string[] portmap = extra.Contains("--portmap-port") ? [] : ["--portmap-port", "0"];
        string[] control = extra.Contains("--control-socket") ? [] : ["--control-socket", ControlSocket(cache)];
        var process = Process.Start(LifeboatProcess.StartInfo(null,
            ["mount-server", "--repo", repo, "--cache", cache, "--nfs-port", port.ToString(CultureInfo.InvariantCulture), .. portmap, "--listen", "127.0.0.1", .. nbd, .. control, .. extra]))!;
        process.StandardInput.Close();
        var ready = new TaskCompletionSource();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
                return;
            onOutput(e.Data);
            if (e.Data.Contains("Mount server on port", StringComparison.Ordinal))
                ready.TrySetResult();
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                onError(e.Data);
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!ready.Task.Wait(TimeSpan.FromSeconds(60)))
        {
            process.Kill();
            throw new TimeoutException("the mount server did not report that it listens within 60 s");
        }

        return process;
    }

    /// <summary>The control socket of a mount server started with <paramref name="cache"/>: tests run side by side, each with its own.</summary>
    public static string ControlSocket(string cache) => Path.Combine(Path.GetDirectoryName(Path.GetFullPath(cache))!, "control.sock");

}
