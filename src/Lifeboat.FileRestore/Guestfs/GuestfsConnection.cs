using System.Runtime.InteropServices;
using System.Text;

namespace Lifeboat.FileRestore.Guestfs;

/// <summary>
/// One libguestfs handle and its appliance, with libguestfs's C calls turned into methods that throw
/// <see cref="GuestfsException"/>. Not thread-safe: only <see cref="GuestfsWorker"/>'s thread calls it
/// (except <see cref="Cancel"/>).
/// </summary>
internal sealed unsafe class GuestfsConnection : IDisposable
{
    private readonly GuestfsHandle _handle;

    private GuestfsConnection(GuestfsHandle handle) => _handle = handle;

    /// <summary>A handle set up for Lifeboat's appliance (direct backend, TCG when KVM cannot run, no autosync), not launched.</summary>
    public static GuestfsConnection Create(bool kvm, int memoryMegabytes)
    {
        GuestfsHandle handle;
        try
        {
            handle = GuestfsNative.Create();
        }
        catch (DllNotFoundException ex)
        {
            throw new GuestfsException("create", $"libguestfs.so.0 could not be loaded ({ex.Message}); install the Debian packages libguestfs0, libguestfs-xfs and ntfs-3g", 0);
        }

        if (handle.IsInvalid)
            throw new GuestfsException("create", "guestfs_create returned no handle (out of memory?)", 0);
        var connection = new GuestfsConnection(handle);
        try
        {
            GuestfsNative.SetErrorHandler(handle, IntPtr.Zero, IntPtr.Zero);
            fixed (byte* backend = Z("direct"))
                connection.Check("set_backend", GuestfsNative.SetBackend(handle, backend));
            // Without KVM libguestfs would try it first and QEMU aborts on this kind of host (see QemuAccelerator).
            using (var settings = new NativeStrings(kvm ? [] : ["force_tcg"u8.ToArray()]))
                connection.Check("set_backend_settings", GuestfsNative.SetBackendSettings(handle, settings.Pointer));
            connection.Check("set_memsize", GuestfsNative.SetMemsize(handle, memoryMegabytes));
            connection.Check("set_autosync", GuestfsNative.SetAutosync(handle, 0));
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Adds an NBD export read-only as a raw disk (server <c>unix:PATH</c> or <c>tcp:HOST:PORT</c>).</summary>
    public void AddNbdDrive(string server, string exportName)
    {
        using var servers = new NativeStrings([Encoding.UTF8.GetBytes(server)]);
        fixed (byte* name = Z(exportName))
        fixed (byte* format = Z("raw"))
        fixed (byte* protocol = Z("nbd"))
        {
            var options = new GuestfsNative.AddDriveOptions
            {
                Bitmask = GuestfsNative.AddDriveReadOnly | GuestfsNative.AddDriveFormat | GuestfsNative.AddDriveProtocol | GuestfsNative.AddDriveServer,
                ReadOnly = 1,
                Format = format,
                Protocol = protocol,
                Server = servers.Pointer,
            };
            Check("add_drive_opts", GuestfsNative.AddDriveOpts(_handle, name, &options));
        }
    }

    public void Launch() => Check("launch", GuestfsNative.Launch(_handle));

    /// <summary>Pairs of (mountable, type) as guestfs_list_filesystems gives them.</summary>
    public List<(string Mountable, string Type)> ListFilesystems()
    {
        var flat = Strings("list_filesystems", GuestfsNative.ListFilesystems(_handle));
        var pairs = new List<(string, string)>(flat.Count / 2);
        for (var i = 0; i + 1 < flat.Count; i += 2)
            pairs.Add((Encoding.UTF8.GetString(flat[i]), Encoding.UTF8.GetString(flat[i + 1])));
        return pairs;
    }

    public List<string> ListPartitions() =>
        Strings("list_partitions", GuestfsNative.ListPartitions(_handle)).ConvertAll(Encoding.UTF8.GetString);

    public List<string> Lvs() => Strings("lvs", GuestfsNative.Lvs(_handle)).ConvertAll(Encoding.UTF8.GetString);

    public string VfsLabel(string mountable)
    {
        fixed (byte* device = Z(mountable))
            return Encoding.UTF8.GetString(OwnedString("vfs_label", GuestfsNative.VfsLabel(_handle, device)));
    }

    public long BlockdevGetsize64(string device)
    {
        fixed (byte* name = Z(device))
            return Check("blockdev_getsize64", GuestfsNative.BlockdevGetsize64(_handle, name));
    }

    public void Mkmountpoint(string path)
    {
        fixed (byte* name = Z(path))
            Check("mkmountpoint", GuestfsNative.Mkmountpoint(_handle, name));
    }

    public void MountRo(string mountable, string mountPoint)
    {
        fixed (byte* device = Z(mountable))
        fixed (byte* point = Z(mountPoint))
            Check("mount_ro", GuestfsNative.MountRo(_handle, device, point));
    }

    public void UmountAll() => Check("umount_all", GuestfsNative.UmountAll(_handle));

    public void Shutdown() => Check("shutdown", GuestfsNative.Shutdown(_handle));

    /// <summary>Writes the folder's names, NUL-terminated, to <paramref name="localFile"/>.</summary>
    public void Ls0(ReadOnlySpan<byte> folder, string localFile)
    {
        fixed (byte* directory = Z(folder))
        fixed (byte* file = Z(localFile))
            Check("ls0", GuestfsNative.Ls0(_handle, directory, file));
    }

    /// <summary>Writes every path under the folder, relative and NUL-terminated, to <paramref name="localFile"/>.</summary>
    public void Find0(ReadOnlySpan<byte> folder, string localFile)
    {
        fixed (byte* directory = Z(folder))
        fixed (byte* file = Z(localFile))
            Check("find0", GuestfsNative.Find0(_handle, directory, file));
    }

    public GuestfsNative.Statns Lstatns(ReadOnlySpan<byte> path)
    {
        fixed (byte* name = Z(path))
        {
            var stat = GuestfsNative.Lstatns(_handle, name);
            if (stat is null)
                throw Error("lstatns");
            var copy = *stat;
            GuestfsNative.FreeStatns(stat);
            return copy;
        }
    }

    /// <summary>lstat of each name in the folder, in the names' order; a name that is gone has st_ino -1.</summary>
    public GuestfsNative.Statns[] Lstatnslist(ReadOnlySpan<byte> folder, IReadOnlyList<byte[]> names)
    {
        using var list = new NativeStrings(names);
        fixed (byte* directory = Z(folder))
        {
            var result = GuestfsNative.Lstatnslist(_handle, directory, list.Pointer);
            if (result is null)
                throw Error("lstatnslist");
            var stats = new ReadOnlySpan<GuestfsNative.Statns>(result->Values, (int)result->Length).ToArray();
            GuestfsNative.FreeStatnsList(result);
            return stats;
        }
    }

    /// <summary>The link target of each name in the folder, in the names' order (empty where it is no link).</summary>
    public List<byte[]> Readlinklist(ReadOnlySpan<byte> folder, IReadOnlyList<byte[]> names)
    {
        using var list = new NativeStrings(names);
        fixed (byte* directory = Z(folder))
            return Strings("readlinklist", GuestfsNative.Readlinklist(_handle, directory, list.Pointer));
    }

    public void Download(ReadOnlySpan<byte> path, string localFile)
    {
        fixed (byte* remote = Z(path))
        fixed (byte* file = Z(localFile))
            Check("download", GuestfsNative.Download(_handle, remote, file));
    }

    /// <summary>The folder as an uncompressed GNU tar with numeric owners, written to <paramref name="localFile"/>.</summary>
    public void TarOut(ReadOnlySpan<byte> folder, string localFile)
    {
        fixed (byte* directory = Z(folder))
        fixed (byte* file = Z(localFile))
        {
            var options = new GuestfsNative.TarOutOptions { Bitmask = GuestfsNative.TarOutNumericOwner, NumericOwner = 1 };
            Check("tar_out", GuestfsNative.TarOutOpts(_handle, directory, file, &options));
        }
    }

    /// <summary>Stops a download or tar-out in progress (it fails with "operation cancelled"); safe from any thread.</summary>
    public void Cancel() => GuestfsNative.UserCancel(_handle);

    public void Dispose() => _handle.Dispose();

    private static byte[] Z(string text) => Z(Encoding.UTF8.GetBytes(text));

    private static byte[] Z(ReadOnlySpan<byte> bytes)
    {
        var terminated = new byte[bytes.Length + 1];
        bytes.CopyTo(terminated);
        return terminated;
    }

    private long Check(string call, long result) => result < 0 ? throw Error(call) : result;

    private GuestfsException Error(string call)
    {
        var message = GuestfsNative.LastError(_handle);
        var text = message is null ? "no message" : Encoding.UTF8.GetString(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(message));
        return new GuestfsException(call, text, GuestfsNative.LastErrno(_handle));
    }

    private byte[] OwnedString(string call, byte* value)
    {
        if (value is null)
            throw Error(call);
        var bytes = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(value).ToArray();
        GuestfsNative.Free(value);
        return bytes;
    }

    private List<byte[]> Strings(string call, byte** values)
    {
        if (values is null)
            throw Error(call);
        var list = new List<byte[]>();
        for (var at = values; *at is not null; at++)
        {
            list.Add(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(*at).ToArray());
            GuestfsNative.Free(*at);
        }

        GuestfsNative.Free(values);
        return list;
    }
}
