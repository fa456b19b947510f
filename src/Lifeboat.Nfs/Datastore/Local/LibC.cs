using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Lifeboat.Nfs.Datastore.Local;

/// <summary>
/// The Linux calls the datastore needs and the BCL lacks: the *at family, so every path a client names is walked one
/// component at a time from a directory descriptor without following symbolic links, and statx for inode numbers.
/// </summary>
internal static class LibC
{
    private const string Library = "libc";

    public const int AtSymlinkNoFollow = 0x100;
    public const int AtRemoveDir = 0x200;
    public const int AtEmptyPath = 0x1000;

    public const int ORdOnly = 0;
    public const int ORdWr = 2;
    public const int OCreat = 0x40;
    public const int OExcl = 0x80;
    public const int OCloExec = 0x80000;

    /// <summary>O_PATH: a descriptor that only names a place to walk on from or stat, never to read or write.</summary>
    public const int OPath = 0x200000;

    public const long UtimeNow = (1L << 30) - 1;
    public const long UtimeOmit = (1L << 30) - 2;

    // O_DIRECTORY and O_NOFOLLOW are the only open flags whose values differ between x86-64 and the Arm ABIs.
    public static readonly int ODirectory = IsArm ? 0x4000 : 0x10000;
    public static readonly int ONoFollow = IsArm ? 0x8000 : 0x20000;

    private static bool IsArm => RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm;

    [DllImport(Library, SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern SafeFileHandle open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mode);

    [DllImport(Library, SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern SafeFileHandle openat(SafeFileHandle dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mode);

    [DllImport(Library, SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern int statx(SafeFileHandle dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, out StatxBuffer buffer);

    [DllImport(Library, SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern int mkdirat(SafeFileHandle dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);

    [DllImport(Library, SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern int unlinkat(SafeFileHandle dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport(Library, SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern int renameat(
        SafeFileHandle olddirfd,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string oldpath,
        SafeFileHandle newdirfd,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string newpath);

    [DllImport(Library, SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern int symlinkat(
        [MarshalAs(UnmanagedType.LPUTF8Str)] string target,
        SafeFileHandle newdirfd,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string linkpath);

    [DllImport(Library, SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern nint readlinkat(SafeFileHandle dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, [Out] byte[] buffer, nint size);

    [DllImport(Library, SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern int fchownat(SafeFileHandle dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint owner, uint group, int flags);

    [DllImport(Library, SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern int fchmod(SafeFileHandle fd, uint mode);

    [DllImport(Library, SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern int utimensat(SafeFileHandle dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, in TimespecPair times, int flags);

    [DllImport(Library, SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern nint getdents64(SafeFileHandle fd, [Out] byte[] buffer, nint count);

    [DllImport(Library)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern uint geteuid();

    [DllImport(Library)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern uint getegid();

    /// <summary>errno of the last failed call above.</summary>
    public static Errno LastError => (Errno)Marshal.GetLastPInvokeError();

    /// <summary>struct timespec[2] for utimensat: access time, then modification time.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct TimespecPair
    {
        public long AccessSeconds;
        public long AccessNanoseconds;
        public long ModifySeconds;
        public long ModifyNanoseconds;
    }
}
