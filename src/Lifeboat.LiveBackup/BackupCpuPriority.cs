using System.Runtime.InteropServices;

namespace Lifeboat.LiveBackup;

/// <summary>
/// Lowers the CPU priority (Linux: the nice value) of every thread of a process that backs up a running VM: the
/// backup shares the host's cores with the guest (under TCG its vCPU takes a whole core), and at the same priority
/// its reading, hashing and compressing took the CPU the guest needed (the guest wrote at 0.36-0.56x of its idle rate
/// during a full backup). At nice 10 the backup gets a tenth of a core the guest wants and all of an idle one. Threads
/// started afterwards inherit the nice value of the thread that starts them. Only lowers: a process cannot raise its
/// priority again without CAP_SYS_NICE, so only a process that ends with its backup (the CLI) calls it. Nice weighs
/// threads against others of the same scheduling group only: with autogroups (a session each) or cgroups, a QEMU that
/// libvirtd started competes as its own group and keeps its share whatever this does (bench/live-backup/README.md).
/// </summary>
public static class BackupCpuPriority
{
    public const int Nice = 10;

    private const int PrioProcess = 0;

    /// <returns>The threads whose nice value was raised to <paramref name="nice"/> (none off Linux).</returns>
    public static int LowerEveryThread(int processId, int nice = Nice)
    {
        if (!OperatingSystem.IsLinux())
            return 0;
        int lowered = 0;
        string[] tasks;
        try
        {
            tasks = Directory.GetDirectories($"/proc/{processId}/task");
        }
        catch (DirectoryNotFoundException)
        {
            return 0;
        }

        foreach (var task in tasks)
        {
            // On Linux, PRIO_PROCESS with a thread id sets that one thread's nice value; a thread that ended meanwhile fails alone.
            if (uint.TryParse(Path.GetFileName(task), out var threadId) && NiceOf(task) < nice && SetPriority(PrioProcess, threadId, nice) == 0)
                lowered++;
        }

        return lowered;
    }

    /// <summary>A thread's nice value, from /proc/PID/task/TID/stat (field 19, after the parenthesised name); int.MaxValue once it ended.</summary>
    public static int NiceOf(string taskFolder)
    {
        string stat;
        try
        {
            stat = File.ReadAllText(Path.Combine(taskFolder, "stat"));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return int.MaxValue;
        }

        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[16], System.Globalization.CultureInfo.InvariantCulture);
    }

    // DllImport rather than LibraryImport: the generated stubs need AllowUnsafeBlocks, which the projects keep off.
    [DllImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int SetPriority(int which, uint who, int priority);
}
