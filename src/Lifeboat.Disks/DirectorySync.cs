using System.Runtime.InteropServices;

namespace Lifeboat.Disks;

/// <summary>
/// fsync of a folder, so a file created or renamed in it survives a power loss. .NET cannot open a folder as a
/// SafeFileHandle, hence the two libc calls.
/// </summary>
internal static partial class DirectorySync
{
    private const int ORdOnly = 0;
    private const int ODirectory = 0x10000; // Linux

    public static void Flush(string directory)
    {
        if (!OperatingSystem.IsLinux())
            return;
        int fd = Open(directory, ORdOnly | ODirectory);
        if (fd < 0)
            throw new IOException($"Could not open folder '{directory}' to make its entries durable (errno {Marshal.GetLastPInvokeError()}).");
        try
        {
            if (Fsync(fd) != 0)
                throw new IOException($"Could not make the entries of folder '{directory}' durable (errno {Marshal.GetLastPInvokeError()}); check the file system.");
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);
}
