namespace Lifeboat.LiveBackup.Tests;

/// <summary><see cref="BackupCpuPriority"/> on a real process with several threads (python3's, started here).</summary>
public sealed class BackupCpuPriorityTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Every_thread_of_the_process_gets_the_lower_priority_and_a_thread_started_after_inherits_it()
    {
        // Three threads that wait, then (once stdin says so) one more started by the main thread.
        const string Script = "import sys, threading, time\n"
            + "for _ in range(3): threading.Thread(target=time.sleep, args=(60,), daemon=True).start()\n"
            + "print('ready', flush=True); sys.stdin.readline()\n"
            + "threading.Thread(target=time.sleep, args=(60,), daemon=True).start()\n"
            + "print('started', flush=True); sys.stdin.readline()\n";
        var start = new System.Diagnostics.ProcessStartInfo("python3", ["-c", Script]) { RedirectStandardInput = true, RedirectStandardOutput = true };
        using var python = System.Diagnostics.Process.Start(start)!;
        try
        {
            Assert.Equal("ready", await python.StandardOutput.ReadLineAsync().WaitAsync(Patience));
            Assert.Equal(4, BackupCpuPriority.LowerEveryThread(python.Id));
            Assert.All(Threads(python.Id), nice => Assert.Equal(BackupCpuPriority.Nice, nice));

            await python.StandardInput.WriteLineAsync("go");
            await python.StandardInput.FlushAsync();
            Assert.Equal("started", await python.StandardOutput.ReadLineAsync().WaitAsync(Patience));
            var threads = Threads(python.Id);
            Assert.Equal(5, threads.Count);
            Assert.All(threads, nice => Assert.Equal(BackupCpuPriority.Nice, nice));

            // Only ever lowered: asked again, or for a higher priority, it changes nothing.
            Assert.Equal(0, BackupCpuPriority.LowerEveryThread(python.Id));
            Assert.Equal(0, BackupCpuPriority.LowerEveryThread(python.Id, 5));
            Assert.All(Threads(python.Id), nice => Assert.Equal(BackupCpuPriority.Nice, nice));
        }
        finally
        {
            python.Kill();
        }
    }

    private static List<int> Threads(int processId) =>
        [.. Directory.GetDirectories($"/proc/{processId}/task").Select(BackupCpuPriority.NiceOf)];
}
