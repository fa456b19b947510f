using System.Diagnostics;
using System.Globalization;

namespace Lifeboat.Cli.Tests;

/// <summary>`lifeboat server` hands its options to the server it starts.</summary>
public sealed class ServerCommandTests
{
    [Fact]
    public async Task The_ports_given_to_lifeboat_server_are_the_ports_its_mount_server_listens_on()
    {
        using var folder = new TestFolder();
        var listen = FreePorts.Tcp();
        var nbd = FreePorts.Tcp();
        var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var process = Process.Start(LifeboatProcess.StartInfo(null,
            "server", "--data", folder.Combine("data"), "--listen", $"127.0.0.1:{listen}", "--nfs-port", "0",
            "--nbd-port", nbd.ToString(CultureInfo.InvariantCulture), "--portmap-port", "0"))!;
        process.StandardInput.Close();
        void OnLine(object sender, DataReceivedEventArgs e)
        {
            if (e.Data is null)
                return;
            lines.Enqueue(e.Data);
            if (e.Data.Contains("Now listening on", StringComparison.Ordinal))
                listening.TrySetResult();
        }

        process.OutputDataReceived += OnLine;
        process.ErrorDataReceived += OnLine;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            if (await Task.WhenAny(listening.Task, process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(90))) != listening.Task)
                Assert.Fail($"lifeboat server did not listen within 90 s:{Environment.NewLine}{string.Join(Environment.NewLine, lines)}");
            Assert.Contains(lines, l => l.Contains($"NBD server listening on 127.0.0.1:{nbd}", StringComparison.Ordinal));

            // SIGTERM to the CLI alone: it passes it on, the server stops, and both exit 0 with no error line.
            Assert.Equal(0, Kill(process.Id, 15));
            using (var stopped = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
                await process.WaitForExitAsync(stopped.Token);
            Assert.True(process.ExitCode == 0, $"lifeboat server exited {process.ExitCode} on SIGTERM:{Environment.NewLine}{string.Join(Environment.NewLine, lines)}");
            Assert.DoesNotContain(lines, l => l.StartsWith("lifeboat-server:", StringComparison.Ordinal));
        }
        finally
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    [System.Runtime.InteropServices.DefaultDllImportSearchPaths(System.Runtime.InteropServices.DllImportSearchPath.SafeDirectories)]
    private static extern int Kill(int processId, int signal);
}
