using Lifeboat.Nfs.Datastore.Local;
using Lifeboat.Nfs.Nfs3;

namespace Lifeboat.Nfs.Datastore;

/// <summary>
/// The one place an errno of the client files folder becomes the nfsstat3 a client sees, by the meaning RFC 1813
/// (section 2.6) gives each status. Most have the errno's own number and meaning; the rest are noted.
/// </summary>
internal static class ErrnoStatus
{
    public static Nfs3Status Of(Errno errno) => errno switch
    {
        Errno.None => Nfs3Status.Ok,

        // PERM "not owner": only the owner or a privileged caller may do it (chown of another's file);
        // ACCES "permission denied": the mode bits refuse it.
        Errno.Perm => Nfs3Status.Perm,
        Errno.Acces => Nfs3Status.Acces,
        Errno.NoEnt => Nfs3Status.NoEnt,
        Errno.Io => Nfs3Status.Io,
        Errno.NxIo => Nfs3Status.NxIo,
        Errno.Exist => Nfs3Status.Exist,

        // XDEV: a rename or link across file systems (a folder a client mounted something on).
        Errno.XDev => Nfs3Status.XDev,
        Errno.NoDev => Nfs3Status.NoDev,
        Errno.NotDir => Nfs3Status.NotDir,

        // ELOOP: O_NOFOLLOW met a symbolic link where the walk needs a folder.
        Errno.Loop => Nfs3Status.NotDir,
        Errno.IsDir => Nfs3Status.IsDir,
        Errno.Inval => Nfs3Status.Inval,
        Errno.FBig => Nfs3Status.FBig,

        // NOSPC "no space left on device" and DQUOT "quota hard limit exceeded" are two answers: a client tells its
        // user which limit was hit.
        Errno.NoSpc => Nfs3Status.NoSpc,
        Errno.DQuot => Nfs3Status.DQuot,
        Errno.RoFs => Nfs3Status.RoFs,
        Errno.MLink => Nfs3Status.MLink,
        Errno.NameTooLong => Nfs3Status.NameTooLong,
        Errno.NotEmpty => Nfs3Status.NotEmpty,

        // STALE: the handle's object no longer exists (removed, or another object has its inode number).
        Errno.Stale => Nfs3Status.Stale,
        Errno.NotSupported => Nfs3Status.NotSupp,

        // JUKEBOX "the server initiated the request, but was not able to complete it in a timely fashion": the client
        // waits and sends the call again, as for a rescan the rate limit holds back.
        Errno.Again => Nfs3Status.Jukebox,

        // SERVERFAULT: an error with no NFS3ERR of its own, a folder of more entries than the server lists.
        Errno.Overflow => Nfs3Status.ServerFault,

        // IO "a hard error": every errno the protocol has no word for.
        _ => Nfs3Status.Io,
    };
}
