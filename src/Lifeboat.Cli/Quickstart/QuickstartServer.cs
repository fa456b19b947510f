using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Lifeboat.Cli.Commands;
using Lifeboat.OncRpc.Portmap;

namespace Lifeboat.Cli.Quickstart;

/// <summary>
/// The Lifeboat server the story talks to: the one already running at LIFEBOAT_SERVER (default <see cref="Server.Contracts.Hosting.RestApi.DefaultAddress"/>), or
/// else its own, started with a data folder in the quickstart's work folder and a free port, and stopped again at
/// the end (SIGTERM: it stops cleanly).
/// </summary>
internal sealed class QuickstartServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    /// <summary>A stop takes well under a second when nothing holds it: after this the user is told what the server is doing.</summary>
    private static readonly TimeSpan StopNote = TimeSpan.FromSeconds(5);

    private readonly Process? _process;
    private readonly PortmapLock? _portmap;
    private readonly StreamWriter? _log;

    private QuickstartServer(ServerClient client, ServerInfoView info, Process? process, PortmapLock? portmap, StreamWriter? log, string? logPath)
    {
        Client = client;
        Info = info;
        _process = process;
        _portmap = portmap;
        _log = log;
        LogPath = logPath;
    }

    public ServerClient Client { get; }

    public ServerInfoView Info { get; }

    /// <summary>True when the quickstart started this server (and stops it); false for one that was running already.</summary>
    public bool Owned => _process is not null;

    /// <summary>Where the server's own messages go when the quickstart started it.</summary>
    public string? LogPath { get; }

    public static async Task<QuickstartServer> FindOrStartAsync(string dataDirectory, Action<string> note, CancellationToken ct)
    {
        var running = new ServerClient();
        try
        {
            var info = await running.GetServerAsync(ct);
            return new QuickstartServer(running, info, null, null, null, null);
        }
        catch (CliException)
        {
            running.Dispose();
        }

        var portmap = await PortmapLock.TakeAsync(() => note($"another Lifeboat process (a test run or a benchmark) uses port {PortmapClient.DefaultPort}; waiting for its turn…"), ct);
        try
        {
            return await StartAsync(dataDirectory, portmap, ct);
        }
        catch
        {
            portmap.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Stops the server if the quickstart started it (a server that was running already is left alone): SIGTERM, then up
    /// to <see cref="StopTimeout"/> for it to exit, telling <paramref name="note"/> what it is doing when it takes long.
    /// </summary>
    public async Task<string> StopAsync(Action<string> note)
    {
        if (_process is null)
            return $"the server at {Client.BaseAddress} was running before the quickstart and goes on";
        string outcome;
        if (_process.HasExited)
        {
            outcome = $"it had already stopped (exit code {_process.ExitCode})";
        }
        else
        {
            PosixSignals.Send(_process.Id, PosixSignals.SigTerm);
            using var waiting = new CancellationTokenSource(StopTimeout);
            try
            {
                using (var slow = new CancellationTokenSource(StopNote))
                {
                    try
                    {
                        await _process.WaitForExitAsync(slow.Token);
                    }
                    catch (OperationCanceledException) when (!waiting.IsCancellationRequested)
                    {
                        note($"the server has not stopped after {StopNote.TotalSeconds:0} s; waiting up to {StopTimeout.TotalSeconds:0} s in all. It was last at: {LastLines(LogPath!, 1)}");
                    }
                }

                await _process.WaitForExitAsync(waiting.Token);
                outcome = $"it stopped cleanly (exit code {_process.ExitCode})";
            }
            catch (OperationCanceledException)
            {
                var lastWords = LastLines(LogPath!, 1);
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync(CancellationToken.None);
                outcome = $"it did not stop within {StopTimeout.TotalSeconds:0} s (it was last at: {lastWords}) and was killed; see {LogPath}";
            }
        }

        lock (_log!)
            _log.Dispose();
        _portmap?.Dispose();
        return outcome;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await StopAsync(_ => { });
            _process.Dispose();
        }

        Client.Dispose();
    }

    private static async Task<QuickstartServer> StartAsync(string dataDirectory, PortmapLock portmap, CancellationToken ct)
    {
        var address = $"127.0.0.1:{FreePort()}";
        var logPath = dataDirectory + ".log";
        var start = ServerStartInfo();
        foreach (var argument in new[] { "--data", dataDirectory, "--listen", address })
            start.ArgumentList.Add(argument);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        var log = new StreamWriter(new FileStream(logPath, FileMode.Create, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        var process = Process.Start(start);
        if (process is null)
        {
            log.Dispose();
            throw new CliException("The Lifeboat server did not start; run `dotnet --info` to check the .NET runtime.");
        }

        process.OutputDataReceived += (_, e) => WriteLine(log, e.Data);
        process.ErrorDataReceived += (_, e) => WriteLine(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var client = new ServerClient(address, dataFolder: dataDirectory);
        var clock = Stopwatch.StartNew();
        try
        {
            while (true)
            {
                try
                {
                    var info = await client.GetServerAsync(ct);
                    return new QuickstartServer(client, info, process, portmap, log, logPath);
                }
                catch (CliException) when (!process.HasExited && clock.Elapsed < StartTimeout)
                {
                    await Task.Delay(100, ct);
                }
                catch (CliException)
                {
                    if (!process.HasExited)
                        process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync(CancellationToken.None);
                    throw new CliException(
                        $"The Lifeboat server on {address} did not come up (exit code {process.ExitCode}): {LastLines(logPath)} (whole log: {logPath}).");
                }
            }
        }
        catch
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
            client.Dispose();
            process.Dispose();
            lock (log)
                log.Dispose();
            throw;
        }
    }

    /// <summary>
    /// lifeboat-server.dll, which the build puts next to the CLI (LIFEBOAT_SERVER_DLL overrides), run directly rather than
    /// through `lifeboat server`, so that the quickstart's SIGTERM reaches the server itself.
    /// </summary>
    private static ProcessStartInfo ServerStartInfo()
    {
        var dll = Environment.GetEnvironmentVariable(ServerCommand.ServerDllVariable) is { Length: > 0 } configured
            ? configured
            : Path.Combine(AppContext.BaseDirectory, "lifeboat-server.dll");
        if (!File.Exists(dll))
            throw new CliException($"The Lifeboat server ({dll}) is not next to the CLI; build it with ./lifeboat, or set {ServerCommand.ServerDllVariable} to its path.");
        var host = Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
        var start = new ProcessStartInfo(host) { UseShellExecute = false };
        start.ArgumentList.Add(dll);
        return start;
    }

    private static void WriteLine(StreamWriter log, string? line)
    {
        if (line is null)
            return;
        lock (log)
        {
            try
            {
                log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                // The server's last words after the quickstart stopped listening.
            }
        }
    }

    private static string LastLines(string path, int count = 6)
    {
        const int Tail = 8 * 1024;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(Math.Max(0, stream.Length - Tail), SeekOrigin.Begin);
        using var reader = new StreamReader(stream);
        var lines = reader.ReadToEnd().Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).TakeLast(count).ToList();
        return lines.Count == 0 ? "it printed nothing" : string.Join(" | ", lines);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
