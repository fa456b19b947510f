using System.Runtime.InteropServices;

namespace Lifeboat.FileRestore.Guestfs;

/// <summary>
/// The calls of libguestfs's C API (libguestfs.so.0, 1.48) Lifeboat makes. Strings go in and come out as raw
/// NUL-terminated bytes (a guest's names need not be UTF-8); what libguestfs returns is the caller's to free
/// (<see cref="Free"/>, <see cref="FreeStatnsList"/>) unless noted. A handle is not thread-safe: one thread calls.
/// </summary>
internal static unsafe partial class GuestfsNative
{
    private const string Library = "libguestfs.so.0";

    /// <summary>GUESTFS_ADD_DRIVE_OPTS_*_BITMASK of the options Lifeboat sets.</summary>
    public const ulong AddDriveReadOnly = 1UL << 0;
    public const ulong AddDriveFormat = 1UL << 1;
    public const ulong AddDriveProtocol = 1UL << 5;
    public const ulong AddDriveServer = 1UL << 6;

    /// <summary>GUESTFS_TAR_OUT_OPTS_NUMERICOWNER_BITMASK.</summary>
    public const ulong TarOutNumericOwner = 1UL << 1;

    /// <summary>struct guestfs_add_drive_opts_argv (guestfs.h), field for field.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct AddDriveOptions
    {
        public ulong Bitmask;
        public int ReadOnly;
        public byte* Format;
        public byte* Iface;
        public byte* Name;
        public byte* Label;
        public byte* Protocol;
        public byte** Server;
        public byte* Username;
        public byte* Secret;
        public byte* CacheMode;
        public byte* Discard;
        public int CopyOnRead;
        public int BlockSize;
    }

    /// <summary>struct guestfs_tar_out_opts_argv.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct TarOutOptions
    {
        public ulong Bitmask;
        public byte* Compress;
        public int NumericOwner;
        public byte** Excludes;
        public int Xattrs;
        public int Selinux;
        public int Acls;
    }

    /// <summary>struct guestfs_statns: 22 int64 fields.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Statns
    {
        public long Dev;
        public long Ino;
        public long Mode;
        public long Nlink;
        public long Uid;
        public long Gid;
        public long Rdev;
        public long Size;
        public long BlockSize;
        public long Blocks;
        public long AtimeSec;
        public long AtimeNsec;
        public long MtimeSec;
        public long MtimeNsec;
        public long CtimeSec;
        public long CtimeNsec;
        public long Spare1;
        public long Spare2;
        public long Spare3;
        public long Spare4;
        public long Spare5;
        public long Spare6;
    }

    /// <summary>struct guestfs_statns_list.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct StatnsList
    {
        public uint Length;
        public Statns* Values;
    }

    [LibraryImport("libc", EntryPoint = "free")]
    public static partial void Free(void* pointer);

    [LibraryImport(Library, EntryPoint = "guestfs_create")]
    public static partial GuestfsHandle Create();

    [LibraryImport(Library, EntryPoint = "guestfs_close")]
    public static partial void Close(IntPtr g);

    /// <summary>NULL handler: libguestfs stops printing errors to stderr; last_error still holds them.</summary>
    [LibraryImport(Library, EntryPoint = "guestfs_set_error_handler")]
    public static partial void SetErrorHandler(GuestfsHandle g, IntPtr handler, IntPtr data);

    /// <summary>The handle's last error message; libguestfs owns it.</summary>
    [LibraryImport(Library, EntryPoint = "guestfs_last_error")]
    public static partial byte* LastError(GuestfsHandle g);

    [LibraryImport(Library, EntryPoint = "guestfs_last_errno")]
    public static partial int LastErrno(GuestfsHandle g);

    /// <summary>Cancels a running download or tar-out; the one call that may come from another thread.</summary>
    [LibraryImport(Library, EntryPoint = "guestfs_user_cancel")]
    public static partial int UserCancel(GuestfsHandle g);

    [LibraryImport(Library, EntryPoint = "guestfs_set_backend")]
    public static partial int SetBackend(GuestfsHandle g, byte* backend);

    [LibraryImport(Library, EntryPoint = "guestfs_set_backend_settings")]
    public static partial int SetBackendSettings(GuestfsHandle g, byte** settings);

    [LibraryImport(Library, EntryPoint = "guestfs_set_memsize")]
    public static partial int SetMemsize(GuestfsHandle g, int megabytes);

    [LibraryImport(Library, EntryPoint = "guestfs_set_smp")]
    public static partial int SetSmp(GuestfsHandle g, int cpus);

    [LibraryImport(Library, EntryPoint = "guestfs_set_autosync")]
    public static partial int SetAutosync(GuestfsHandle g, int autosync);

    [LibraryImport(Library, EntryPoint = "guestfs_add_drive_opts_argv")]
    public static partial int AddDriveOpts(GuestfsHandle g, byte* fileName, AddDriveOptions* options);

    [LibraryImport(Library, EntryPoint = "guestfs_launch")]
    public static partial int Launch(GuestfsHandle g);

    [LibraryImport(Library, EntryPoint = "guestfs_shutdown")]
    public static partial int Shutdown(GuestfsHandle g);

    [LibraryImport(Library, EntryPoint = "guestfs_list_filesystems")]
    public static partial byte** ListFilesystems(GuestfsHandle g);

    [LibraryImport(Library, EntryPoint = "guestfs_list_partitions")]
    public static partial byte** ListPartitions(GuestfsHandle g);

    [LibraryImport(Library, EntryPoint = "guestfs_lvs")]
    public static partial byte** Lvs(GuestfsHandle g);

    [LibraryImport(Library, EntryPoint = "guestfs_vfs_type")]
    public static partial byte* VfsType(GuestfsHandle g, byte* mountable);

    [LibraryImport(Library, EntryPoint = "guestfs_vfs_label")]
    public static partial byte* VfsLabel(GuestfsHandle g, byte* mountable);

    [LibraryImport(Library, EntryPoint = "guestfs_blockdev_getsize64")]
    public static partial long BlockdevGetsize64(GuestfsHandle g, byte* device);

    [LibraryImport(Library, EntryPoint = "guestfs_mkmountpoint")]
    public static partial int Mkmountpoint(GuestfsHandle g, byte* path);

    [LibraryImport(Library, EntryPoint = "guestfs_mount_ro")]
    public static partial int MountRo(GuestfsHandle g, byte* mountable, byte* mountPoint);

    [LibraryImport(Library, EntryPoint = "guestfs_umount_all")]
    public static partial int UmountAll(GuestfsHandle g);

    /// <summary>Writes the folder's names, each ending in NUL, to a local file (no message-size cap).</summary>
    [LibraryImport(Library, EntryPoint = "guestfs_ls0")]
    public static partial int Ls0(GuestfsHandle g, byte* directory, byte* localFile);

    /// <summary>Writes every path under the folder (relative, NUL-terminated) to a local file.</summary>
    [LibraryImport(Library, EntryPoint = "guestfs_find0")]
    public static partial int Find0(GuestfsHandle g, byte* directory, byte* localFile);

    [LibraryImport(Library, EntryPoint = "guestfs_lstatns")]
    public static partial Statns* Lstatns(GuestfsHandle g, byte* path);

    [LibraryImport(Library, EntryPoint = "guestfs_free_statns")]
    public static partial void FreeStatns(Statns* value);

    [LibraryImport(Library, EntryPoint = "guestfs_lstatnslist")]
    public static partial StatnsList* Lstatnslist(GuestfsHandle g, byte* directory, byte** names);

    [LibraryImport(Library, EntryPoint = "guestfs_free_statns_list")]
    public static partial void FreeStatnsList(StatnsList* list);

    [LibraryImport(Library, EntryPoint = "guestfs_readlinklist")]
    public static partial byte** Readlinklist(GuestfsHandle g, byte* directory, byte** names);

    [LibraryImport(Library, EntryPoint = "guestfs_download")]
    public static partial int Download(GuestfsHandle g, byte* remoteFile, byte* localFile);

    [LibraryImport(Library, EntryPoint = "guestfs_tar_out_opts_argv")]
    public static partial int TarOutOpts(GuestfsHandle g, byte* directory, byte* localFile, TarOutOptions* options);
}
