using Microsoft.Win32.SafeHandles;

namespace Lifeboat.Disks;

/// <summary>A write cache holds a VM's data: its folders and files are the mount server's alone (0700, 0600).</summary>
internal static class OwnerOnly
{
    public const UnixFileMode FilePermissions = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public const UnixFileMode FolderPermissions = FilePermissions | UnixFileMode.UserExecute;

    /// <summary>Creates the folder and any missing parent 0700; one that exists keeps its mode.</summary>
    public static void CreateFolder(string path)
    {
        if (OperatingSystem.IsWindows())
            Directory.CreateDirectory(path);
        else
            Directory.CreateDirectory(path, FolderPermissions);
    }

    /// <summary>As <see cref="File.OpenHandle(string, FileMode, FileAccess, FileShare, FileOptions, long)"/>, the file then made 0600 whether it was created or found.</summary>
    public static SafeFileHandle OpenHandle(string path, FileMode mode, FileAccess access, FileShare share)
    {
        var handle = File.OpenHandle(path, mode, access, share);
        try
        {
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(handle, FilePermissions);
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }
}
