using System.Runtime.InteropServices;

namespace Lifeboat.Disks;

/// <summary>
/// Lowers the CPU priority of the calling thread (Linux: its nice value; elsewhere nothing) for work that is only a
/// guess at what a guest will want, so it takes the cores the guest's vCPU, QEMU's I/O thread and the reads the guest
/// waits on leave over, and yields at once when they wake. A thread cannot raise its priority again without
/// CAP_SYS_NICE, so only a thread of the caller's own that ends with the work may call it.
/// </summary>
internal static class BackgroundThreadPriority
{
    // Weight 110 against 1024 of a normal thread: a tenth of a core it competes for, all of an idle one.
    public const int Nice = 10;

    private const int PrioProcess = 0;

    public static bool TryLowerCurrentThread()
    {
        if (!OperatingSystem.IsLinux())
            return false;
        try
        {
            // On Linux, PRIO_PROCESS with a thread id sets that one thread's nice value.
            return SetPriority(PrioProcess, (uint)GetTid(), Nice) == 0;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return false;
        }
    }

    // DllImport rather than LibraryImport: the generated stubs need AllowUnsafeBlocks, which the projects keep off.
    [DllImport("libc", EntryPoint = "gettid")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int GetTid();

    [DllImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int SetPriority(int which, uint who, int priority);
}
