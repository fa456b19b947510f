using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Lifeboat.Repository.DiskImages;

/// <summary>What statx(2) says about a file: enough to tell whether a path still names the file we opened.</summary>
internal readonly record struct FileIdentity(ulong Device, ulong Inode, uint LinkCount, uint Mode, long Size)
{
    private const uint FileTypeMask = 0xF000;
    private const uint BlockDeviceType = 0x6000;
    private const uint RegularFileType = 0x8000;

    public bool IsBlockDevice => (Mode & FileTypeMask) == BlockDeviceType;

    public bool IsRegularFile => (Mode & FileTypeMask) == RegularFileType;

    /// <summary>Identity of an open handle; false where statx is unavailable.</summary>
    public static bool TryGet(SafeFileHandle handle, out FileIdentity identity)
    {
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return TryStatx((int)handle.DangerousGetHandle(), string.Empty, NativeMethods.AtEmptyPath, out identity, out _);
        }
        finally
        {
            if (added)
                handle.DangerousRelease();
        }
    }

    /// <summary>Identity of what a path names now (symbolic links followed); errno tells why it failed.</summary>
    public static bool TryGet(string path, out FileIdentity identity, out int errno) =>
        TryStatx(NativeMethods.AtFdCwd, path, 0, out identity, out errno);

    private static bool TryStatx(int dirFd, string path, int flags, out FileIdentity identity, out int errno)
    {
        identity = default;
        Span<byte> buffer = stackalloc byte[NativeMethods.StatxSize];
        buffer.Clear();
        try
        {
            if (NativeMethods.Statx(dirFd, path, flags, NativeMethods.StatxBasicStats, ref MemoryMarshal.GetReference(buffer)) != 0)
            {
                errno = Marshal.GetLastPInvokeError();
                return false;
            }
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            errno = 0;
            return false;
        }

        errno = 0;
        // struct statx (linux/stat.h) has the same layout on every architecture, in native byte order.
        identity = new FileIdentity(
            Device: ((ulong)MemoryMarshal.Read<uint>(buffer[136..]) << 32) | MemoryMarshal.Read<uint>(buffer[140..]),
            Inode: MemoryMarshal.Read<ulong>(buffer[32..]),
            LinkCount: MemoryMarshal.Read<uint>(buffer[16..]),
            Mode: MemoryMarshal.Read<ushort>(buffer[28..]),
            Size: (long)MemoryMarshal.Read<ulong>(buffer[40..]));
        return true;
    }
}
