using System.Runtime.InteropServices;

namespace Lifeboat.Testing.Processes;

/// <summary>SIGSTOP and SIGCONT, which .NET cannot send (Process.Kill sends only SIGKILL), and waiting until a stop has taken hold.</summary>
public static class ProcessSignals
{
    // Linux's numbers on x86-64 and arm64 alike.
    private const int SignalContinue = 18;
    private const int SignalStop = 19;

    /// <summary>Stops the process; false when it is gone.</summary>
    public static bool Stop(int processId) => Kill(processId, SignalStop) == 0;

    /// <summary>Lets a stopped process run on; false when it is gone.</summary>
    public static bool Continue(int processId) => Kill(processId, SignalContinue) == 0;

    /// <summary>
    /// Until every thread of the process is stopped (a signal lands in each thread when it next leaves the kernel, so a
    /// thread amid a write finishes it first) or the process is gone; what it did on disk is final after this.
    /// </summary>
    public static async Task WaitUntilStoppedAsync(int processId, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!AllThreadsStopped(processId))
        {
            Assert.True(DateTime.UtcNow < deadline, $"process {processId} was sent SIGSTOP but did not stop in {timeout.TotalSeconds} s");
            await Task.Delay(1);
        }
    }

    private static bool AllThreadsStopped(int processId)
    {
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{processId}/task"))
            {
                // "tid (comm) S ...": the state follows the last ')' (comm may hold spaces and parentheses).
                string stat = File.ReadAllText(Path.Combine(task, "stat"));
                char state = stat[(stat.LastIndexOf(')') + 2)..][0];
                if (state is not ('T' or 't' or 'Z' or 'X'))
                {
                    return false;
                }
            }

            return true;
        }
        catch (Exception ex) when (ex is DirectoryNotFoundException or FileNotFoundException or IOException)
        {
            return !Directory.Exists($"/proc/{processId}"); // gone, or a thread that ended as it was read: look again
        }
    }

    [DllImport("libc", EntryPoint = "kill")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Kill(int processId, int signal);
}
