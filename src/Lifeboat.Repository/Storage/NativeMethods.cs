using System.Runtime.InteropServices;

namespace Lifeboat.Repository.Storage;

/// <summary>The few libc calls .NET has no API for (it refuses to open a directory as a file handle).</summary>
internal static class NativeMethods
{
    public const int ORdOnly = 0;
    public const int ODirectory = 0x10000; // Linux x86-64/arm64
    public const uint SyncFileRangeWrite = 2;

    // A byte[] path (UTF-8, NUL-terminated) keeps the signature blittable, so no unsafe code is needed.
    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    public static extern int Open(byte[] path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    public static extern int FSync(int fd);

    [DllImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
    public static extern int SyncFileRange(int fd, long offset, long length, uint flags);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    public static extern int Close(int fd);
}
