using System.Text;
using Lifeboat.Nfs.Nfs3;

namespace Lifeboat.Nfs.Datastore;

/// <summary>The names a publication gives its disk files, and the rules every name in the datastore follows.</summary>
public static class DatastoreNames
{
    /// <summary>The raw disk file QEMU and libvirt open: <c>disk0.raw</c>.</summary>
    public static string RawDisk(int index) => $"disk{index}.raw";

    /// <summary>The same content under the name a VMDK descriptor's extent line refers to: <c>disk0-flat.vmdk</c>.</summary>
    public static string FlatVmdk(int index) => $"disk{index}-flat.vmdk";

    /// <summary>True when <paramref name="name"/> can be one path component: not empty, '.', '..', no '/' or NUL, at most 255 bytes.</summary>
    public static bool IsValidName(string name) =>
        !string.IsNullOrEmpty(name) && name is not "." and not ".." && CheckComponent(name) == Nfs3Status.Ok;

    /// <summary>
    /// The status for a name that cannot be one component: '/' and NUL get NFS3ERR_ACCES as the Linux server answers,
    /// so a client can never walk out of a folder with one LOOKUP.
    /// </summary>
    internal static Nfs3Status CheckComponent(string name)
    {
        if (name.Length == 0 || name.AsSpan().IndexOfAny('/', '\0') >= 0)
        {
            return Nfs3Status.Acces;
        }

        return Encoding.UTF8.GetByteCount(name) > Nfs3Constants.MaxNameLength ? Nfs3Status.NameTooLong : Nfs3Status.Ok;
    }

    /// <summary>For CREATE, MKDIR, SYMLINK and the target of RENAME: '.' and '..' already exist.</summary>
    internal static Nfs3Status CheckNewName(string name) => name is "." or ".." ? Nfs3Status.Exist : CheckComponent(name);

    /// <summary>For REMOVE, RMDIR and the source of RENAME: '.' and '..' cannot be removed or moved.</summary>
    internal static Nfs3Status CheckExistingName(string name) => name is "." or ".." ? Nfs3Status.Inval : CheckComponent(name);
}
