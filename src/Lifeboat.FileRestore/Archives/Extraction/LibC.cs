using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Lifeboat.FileRestore.Archives.Extraction;

/// <summary>
/// libc's *at calls over raw, NUL-terminated name bytes (so non-UTF-8 names are made exactly), each relative to a
/// folder's descriptor: the extractor never hands the kernel a path longer than one name.
/// </summary>
internal static partial class LibC
{
    public const int ENOENT = 2;
    public const int EEXIST = 17;
    public const int ENOTDIR = 20;
    public const int EISDIR = 21;
    public const int ELOOP = 40;

    public const int AtSymlinkNoFollow = 0x100;

    private const int OWrite = 0x1;
    private const int OCreate = 0x40;
    private const int OExclusive = 0x80;
    private const int OCloseOnExec = 0x80000;

    // O_DIRECTORY and O_NOFOLLOW differ between x86-64 (and most others) and arm64.
    private static readonly bool IsArm = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm;
    private static readonly int ODirectory = IsArm ? 0x4000 : 0x10000;
    private static readonly int ONoFollow = IsArm ? 0x8000 : 0x20000;

    /// <summary>A folder's descriptor for later *at calls, opened without following a symlink at its name.</summary>
    public static int OpenFolderFlags => ODirectory | ONoFollow | OCloseOnExec;

    /// <summary>A new file, never an existing one, never through a symlink.</summary>
    public static int CreateFileFlags => OWrite | OCreate | OExclusive | ONoFollow | OCloseOnExec;

    /// <summary>The folder the user named (it may itself be reached through symlinks: that is the user's choice).</summary>
    public static int OpenRootFlags => ODirectory | OCloseOnExec;

    public static int Errno => Marshal.GetLastPInvokeError();

    /// <summary>Opens <paramref name="name"/> under <paramref name="folder"/> (AT_FDCWD when null); null with <see cref="Errno"/> set on failure.</summary>
    public static SafeFileHandle? OpenAt(SafeFileHandle? folder, ReadOnlySpan<byte> name, int flags, int mode)
    {
        var fd = folder is null ? openat(-100, Terminated(name), flags, mode) : openat(folder, Terminated(name), flags, mode);
        return fd < 0 ? null : new SafeFileHandle(fd, ownsHandle: true);
    }

    public static int MkdirAt(SafeFileHandle folder, ReadOnlySpan<byte> name, int mode) => mkdirat(folder, Terminated(name), mode);

    public static int SymlinkAt(ReadOnlySpan<byte> target, SafeFileHandle folder, ReadOnlySpan<byte> name) => symlinkat(Terminated(target), folder, Terminated(name));

    public static int LinkAt(SafeFileHandle fromFolder, ReadOnlySpan<byte> from, SafeFileHandle toFolder, ReadOnlySpan<byte> to) =>
        linkat(fromFolder, Terminated(from), toFolder, Terminated(to), 0);

    public static int RenameAt(SafeFileHandle folder, ReadOnlySpan<byte> from, ReadOnlySpan<byte> to) => renameat(folder, Terminated(from), folder, Terminated(to));

    public static int UnlinkAt(SafeFileHandle folder, ReadOnlySpan<byte> name) => unlinkat(folder, Terminated(name), 0);

    public static int ChownAt(SafeFileHandle folder, ReadOnlySpan<byte> name, long uid, long gid) =>
        fchownat(folder, Terminated(name), (uint)uid, (uint)gid, AtSymlinkNoFollow);

    public static int SetTimesAt(SafeFileHandle folder, ReadOnlySpan<byte> name, long seconds)
    {
        ReadOnlySpan<long> times = [seconds, 0, seconds, 0];
        return utimensat(folder, Terminated(name), times, AtSymlinkNoFollow);
    }

    public static int SetTimes(SafeFileHandle file, long seconds)
    {
        ReadOnlySpan<long> times = [seconds, 0, seconds, 0];
        return futimens(file, times);
    }

    public static int Chown(SafeFileHandle file, long uid, long gid) => fchown(file, (uint)uid, (uint)gid);

    public static int Chmod(SafeFileHandle file, int mode) => fchmod(file, mode);

    public static bool IsRoot => geteuid() == 0;

    private static byte[] Terminated(ReadOnlySpan<byte> name) => [.. name, 0];

    [LibraryImport("libc", SetLastError = true)]
    private static partial int openat(SafeFileHandle folder, byte[] name, int flags, int mode);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int openat(int folder, byte[] name, int flags, int mode);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int mkdirat(SafeFileHandle folder, byte[] name, int mode);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int symlinkat(byte[] target, SafeFileHandle folder, byte[] name);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int linkat(SafeFileHandle fromFolder, byte[] from, SafeFileHandle toFolder, byte[] to, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int renameat(SafeFileHandle fromFolder, byte[] from, SafeFileHandle toFolder, byte[] to);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int unlinkat(SafeFileHandle folder, byte[] name, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fchownat(SafeFileHandle folder, byte[] name, uint uid, uint gid, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int utimensat(SafeFileHandle folder, byte[] name, ReadOnlySpan<long> times, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int futimens(SafeFileHandle file, ReadOnlySpan<long> times);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fchown(SafeFileHandle file, uint uid, uint gid);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fchmod(SafeFileHandle file, int mode);

    [LibraryImport("libc")]
    private static partial uint geteuid();
}
