using System.Runtime.InteropServices;

namespace Lifeboat.Cli.Quickstart;

/// <summary>SIGTERM for processes the quickstart did not start as children of its own (.NET only sends SIGKILL).</summary>
internal static class PosixSignals
{
    public const int SigTerm = 15;

    /// <returns>False when the process is gone (or not ours to signal).</returns>
    public static bool Send(int processId, int signal) => Kill(processId, signal) == 0;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Kill(int processId, int signal);
}
