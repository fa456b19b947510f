using System.Diagnostics;
using System.Text;
using Xunit.Abstractions;

namespace Lifeboat.Cli.Tests;

/// <summary>
/// `lifeboat mount-server` killed with SIGKILL over and over under a pipelined NFS writer: each time it comes back
/// on the same port with the same cache, the writer's re-sent requests are all answered and it goes on at once.
/// </summary>
public sealed class MountServerRestartTests(ITestOutputHelper output)
{
    private const int Rounds = 8;
    private const int Depth = 32;
    private const long DiskSize = 32 << 20;
    private const int BlockSize = 4096;

    /// <summary>What the issue asks of every round: the next 1000 requests answered within a few seconds of the restart.</summary>
    private const int AnswersAfterRestart = 1000;

    private static readonly TimeSpan ResumeTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How long the server stays dead each round, as in the report.</summary>
    private static readonly TimeSpan Downtime = TimeSpan.FromSeconds(3.5);

    private static readonly TimeSpan FinishTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_pipelined_writer_goes_on_after_every_kill_9_and_restart_and_reads_back_what_it_wrote()
    {
        using var t = new TestFolder();
        var repo = t.Combine("repo");
        TestDisks.Create(t.Combine("disk0.raw"), DiskSize, seed: 81);
        LifeboatProcess.Run("repo", "init", repo).ShouldSucceed();
        LifeboatProcess.Run("backup", "--repo", repo, "--vm", "web", "--disk", t.Combine("disk0.raw")).ShouldSucceed();
        var binary = NfsWriterProcess.Build(t.Path);
        var port = FreePorts.Tcp();
        var log = new ServerLog();
        var server = MountServerProcess.Start(repo, t.Combine("cache"), port, log.Add, "--publish", "web", "--log-level", "Debug");
        var url = $"nfs://127.0.0.1/lifeboat/web/disk0.raw?nfsport={port}&mountport={port}";
        using var writer = NfsWriterProcess.Start(binary, url,
            "--depth", $"{Depth}", "--blocks", $"{DiskSize / BlockSize}", "--bs", $"{BlockSize}", "--stall-seconds", "30");
        var random = new Random(82);
        try
        {
            Assert.True(await writer.WaitForAnswersAsync(AnswersAfterRestart, TimeSpan.FromSeconds(30)), $"the writer did not get going. {writer.Output}");
            var clock = Stopwatch.StartNew();
            for (var round = 1; round <= Rounds; round++)
            {
                // Vary the moment of the kill: a full pipeline at a different point of the write and COMMIT stream each round.
                await writer.WaitForAnswersAsync(writer.Answers + random.Next(200, 3000), TimeSpan.FromSeconds(10));
                server.Kill();
                server.WaitForExit();
                server.Dispose();
                await Task.Delay(Downtime);
                var before = writer.Answers;
                log.Add($"--- round {round}: restart after {before} answers");
                server = MountServerProcess.Start(repo, t.Combine("cache"), port, log.Add, "--log-level", "Debug");
                var restarted = clock.Elapsed;
                var resumed = await writer.WaitForAnswersAsync(before + AnswersAfterRestart, ResumeTimeout);
                Assert.True(resumed,
                    $"round {round}: the writer got {writer.Answers - before} answers in the {ResumeTimeout.TotalSeconds:0} s after the restart. " +
                    $"Writer: {writer.Output}{Environment.NewLine}Server:{Environment.NewLine}{log}");
                output.WriteLine($"round {round}: {AnswersAfterRestart} answers {(clock.Elapsed - restarted).TotalMilliseconds:0} ms after the restart");
            }

            var exit = await writer.FinishAsync(FinishTimeout);
            Assert.True(exit == 0, $"nfswriter exited with {exit}: {writer.Output}{Environment.NewLine}Server:{Environment.NewLine}{log}");
            Assert.Contains("verified ", writer.Output, StringComparison.Ordinal);
            output.WriteLine(writer.Output);
        }
        finally
        {
            if (!server.HasExited)
            {
                server.Kill();
                server.WaitForExit();
            }

            server.Dispose();
        }
    }

    /// <summary>The server's lines across its restarts, for the failure message.</summary>
    private sealed class ServerLog
    {
        private readonly Lock _gate = new();
        private readonly StringBuilder _lines = new();

        public void Add(string line)
        {
            lock (_gate)
                _lines.Append(line).Append('\n');
        }

        public override string ToString()
        {
            lock (_gate)
                return _lines.ToString();
        }
    }
}
