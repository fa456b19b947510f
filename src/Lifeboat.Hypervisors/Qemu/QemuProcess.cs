using System.Diagnostics;
using System.Globalization;

namespace Lifeboat.Hypervisors.Qemu;

/// <summary>
/// Facts about a daemonized QEMU process, read from /proc. It is not our child, so there is no exit code
/// to wait for; and a pid file may outlive its process, whose number the kernel can give to another.
/// </summary>
internal static class QemuProcess
{
    private const int MaxPidFileBytes = 64;
    private const int MaxProcFileBytes = 1024 * 1024;

    /// <summary>The pid QEMU wrote into <paramref name="pidFile"/>, or null when the file is missing or not a pid.</summary>
    public static int? ReadPidFile(string pidFile)
    {
        var text = BoundedFile.ReadStart(pidFile, MaxPidFileBytes);
        return text is not null && int.TryParse(text.AsSpan().Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0
            ? pid
            : null;
    }

    /// <summary>True while the process exists and is not a zombie waiting to be reaped.</summary>
    public static bool IsRunning(int processId)
    {
        var stat = BoundedFile.ReadStart($"/proc/{processId}/stat", 4096);
        if (stat is null)
        {
            return false;
        }

        // "pid (comm) S ...": comm may hold spaces and parentheses, the state follows the last ')'.
        var end = stat.LastIndexOf(')');
        return end >= 0 && end + 2 < stat.Length && stat[end + 2] is not ('Z' or 'X');
    }

    /// <summary>
    /// "pid@start": the process id and its start time in clock ticks since boot (field 22 of /proc/PID/stat), which
    /// together name one run of a process even after the kernel reuses the pid. Null when the process is gone.
    /// </summary>
    public static string? Identity(int processId)
    {
        var stat = BoundedFile.ReadStart($"/proc/{processId}/stat", 4096);
        var end = stat?.LastIndexOf(')') ?? -1;
        if (stat is null || end < 0)
        {
            return null;
        }

        // Fields after "(comm)" start with the state, field 3; the start time is field 22.
        var fields = stat[(end + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        const int StartTimeIndex = 22 - 3;
        return fields.Length > StartTimeIndex ? $"{processId.ToString(CultureInfo.InvariantCulture)}@{fields[StartTimeIndex]}" : null;
    }

    /// <summary>True when the process was started with <paramref name="pidFile"/> as its pid file.</summary>
    public static bool IsQemuFor(int processId, string pidFile)
    {
        var commandLine = BoundedFile.ReadStart($"/proc/{processId}/cmdline", MaxProcFileBytes);
        return commandLine is not null && commandLine.Split('\0').Contains(pidFile, StringComparer.Ordinal);
    }

    /// <summary>Sends SIGKILL to the QEMU that owns <paramref name="pidFile"/>, if it still runs; another process that got its pid is left alone.</summary>
    public static void Kill(int processId, string pidFile)
    {
        if (!IsRunning(processId) || !IsQemuFor(processId, pidFile))
        {
            return;
        }

        try
        {
            using var process = Process.GetProcessById(processId);
            process.Kill();
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            // It exited between the check and the kill.
        }
    }
}
