using System.Runtime.InteropServices;

namespace Lifeboat.Repository.DiskImages;

// DllImport rather than LibraryImport: the generated LibraryImport stubs need AllowUnsafeBlocks, which this
// project keeps off. Every signature here is blittable apart from the UTF-8 path.
internal static class NativeMethods
{
    internal const int SeekEnd = 2;
    internal const int SeekData = 3;
    internal const int SeekHole = 4;

    internal const int ENOENT = 2;
    internal const int ENXIO = 6;
    internal const int ENOTDIR = 20;

    internal const int AtFdCwd = -100;
    internal const int AtEmptyPath = 0x1000;
    internal const uint StatxBasicStats = 0x7ff;
    internal const int StatxSize = 256;

    [DllImport("libc", EntryPoint = "lseek", SetLastError = true)]
    internal static extern long LSeek(int fd, long offset, int whence);

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    internal static extern int Statx(
        int dirFd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, ref byte statxBuffer);
}
