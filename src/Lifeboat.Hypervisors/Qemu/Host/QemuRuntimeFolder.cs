using System.Diagnostics;
using System.Globalization;

namespace Lifeboat.Hypervisors.Qemu.Host;

/// <summary>
/// A session VM's runtime folder seen from outside QMP: whether its QEMU still runs, and a kill that needs no monitor
/// (when another client holds it). A pid is trusted only when that process was started with this folder's pid file.
/// </summary>
public static class QemuRuntimeFolder
{
    private const int MaxPidFileBytes = 64;
    private const int MaxStatBytes = 4096;
    private const int MaxCommandLineBytes = 1024 * 1024;
    private static readonly TimeSpan KillTimeout = TimeSpan.FromSeconds(10);

    public static int? RunningProcess(string runtimeDirectory)
    {
        var paths = new QemuVmPaths(runtimeDirectory);
        var pidText = BoundedFile.ReadStart(paths.PidFile, MaxPidFileBytes);
        if (pidText is null || !int.TryParse(pidText.AsSpan().Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid <= 0)
            return null;
        var stat = BoundedFile.ReadStart($"/proc/{pid}/stat", MaxStatBytes);
        var end = stat?.LastIndexOf(')') ?? -1;
        if (stat is null || end < 0 || end + 2 >= stat.Length || stat[end + 2] is 'Z' or 'X')
            return null;
        var commandLine = BoundedFile.ReadStart($"/proc/{pid}/cmdline", MaxCommandLineBytes);
        return commandLine is not null && commandLine.Split('\0').Contains(paths.PidFile, StringComparer.Ordinal) ? pid : null;
    }

    /// <summary>SIGKILLs the folder's QEMU and waits up to 10 s for it to go; true when it is gone.</summary>
    public static async Task<bool> KillAsync(string runtimeDirectory, CancellationToken cancellationToken)
    {
        if (RunningProcess(runtimeDirectory) is not { } pid)
            return true;
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // Exited meanwhile.
        }

        var elapsed = Stopwatch.StartNew();
        while (RunningProcess(runtimeDirectory) is not null)
        {
            if (elapsed.Elapsed > KillTimeout)
                return false;
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }
}
