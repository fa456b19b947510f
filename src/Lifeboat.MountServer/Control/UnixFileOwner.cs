using System.Runtime.InteropServices;

namespace Lifeboat.MountServer.Control;

/// <summary>chown(2), which the BCL lacks: the control socket and its folder go to group lifeboat.</summary>
internal static class UnixFileOwner
{
    private const uint Unchanged = uint.MaxValue;

    /// <exception cref="IOException">The group could not be set.</exception>
    public static void SetGroup(string path, uint gid)
    {
        if (chown(path, Unchanged, gid) != 0)
            throw new IOException($"Could not give {path} to group {gid} (errno {Marshal.GetLastPInvokeError()}); run the mount server as root.");
    }

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int chown([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint owner, uint group);
}
