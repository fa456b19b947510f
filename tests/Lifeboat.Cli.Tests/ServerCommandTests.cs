using System.Diagnostics;
using System.Globalization;
using Lifeboat.Nbd.Server;
using Lifeboat.Nfs.Server;
using Lifeboat.Server.CommandLine;
using Lifeboat.Server.Contracts.Hosting;

namespace Lifeboat.Cli.Tests;

/// <summary>`lifeboat server` shows the server's options, refuses a bad value, and hands its words to the server it starts.</summary>
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

    [Fact]
    public void Its_help_lists_every_option_of_the_server_with_the_default_ports()
    {
        var help = LifeboatProcess.Run("server", "--help").ShouldSucceed().Stdout;
        foreach (var option in new ServerCommandLine().All)
            Assert.Contains($"{option.Name} <{option.HelpName}>", help, StringComparison.Ordinal);
        Assert.Contains($"default 127.0.0.1:{RestApi.DefaultPort}", help, StringComparison.Ordinal);
        Assert.Contains($"default: {NfsServerOptions.DefaultPort} if free", help, StringComparison.Ordinal);
        Assert.Contains($"default: {NbdServerOptions.DefaultPort} if free", help, StringComparison.Ordinal);
        Assert.Contains($"(default {NfsServerOptions.DefaultPortmapPort})", help, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--nfs-port", "70000", "is not a port number (0 to 65535).")]
    [InlineData("--listen", "8707", "is not an address and port such as 127.0.0.1:8707.")]
    [InlineData("--file-restore-memory", "12", "is not a number of MiB from 256 to 1048576.")]
    public void A_bad_value_is_refused_in_one_sentence_naming_the_option_before_any_server_starts(string option, string value, string problem)
    {
        var result = LifeboatProcess.Run("server", option, value);
        Assert.True(result.ExitCode != 0, result.ToString());
        Assert.Equal($"{option} '{value}' {problem}", result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)[0].Trim());
        Assert.DoesNotContain("lifeboat-server:", result.Stderr, StringComparison.Ordinal);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    [System.Runtime.InteropServices.DefaultDllImportSearchPaths(System.Runtime.InteropServices.DllImportSearchPath.SafeDirectories)]
    private static extern int Kill(int processId, int signal);
}
