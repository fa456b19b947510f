using Lifeboat.Nfs.Datastore;
using Lifeboat.Nfs.Datastore.Local;
using Lifeboat.Nfs.Nfs3;

namespace Lifeboat.Nfs.Tests;

/// <summary>
/// The errno the client files folder gives and the nfsstat3 a client sees for it, where the two differ in number or
/// the choice is subtle (RFC 1813 section 2.6). <see cref="LocalTreeErrnoTests"/> has the kernel give them.
/// </summary>
public sealed class ErrnoStatusTests
{
    [Theory]
    [InlineData(0, Nfs3Status.Ok)]
    [InlineData(1, Nfs3Status.Perm)] // EPERM: not the owner, not privileged (RFC 1813's "not owner")
    [InlineData(13, Nfs3Status.Acces)] // EACCES: the mode bits refuse it
    [InlineData(17, Nfs3Status.Exist)]
    [InlineData(18, Nfs3Status.XDev)]
    [InlineData(20, Nfs3Status.NotDir)]
    [InlineData(21, Nfs3Status.IsDir)]
    [InlineData(28, Nfs3Status.NoSpc)]
    [InlineData(122, Nfs3Status.DQuot)] // EDQUOT is 122 on Linux, NFS3ERR_DQUOT 69
    [InlineData(36, Nfs3Status.NameTooLong)] // ENAMETOOLONG is 36, NFS3ERR_NAMETOOLONG 63
    [InlineData(39, Nfs3Status.NotEmpty)] // ENOTEMPTY is 39, NFS3ERR_NOTEMPTY 66
    [InlineData(116, Nfs3Status.Stale)] // ESTALE is 116, NFS3ERR_STALE 70
    [InlineData(40, Nfs3Status.NotDir)] // ELOOP: a symbolic link where the walk needs a folder
    [InlineData(11, Nfs3Status.Jukebox)] // EAGAIN: try again later
    [InlineData(75, Nfs3Status.ServerFault)] // EOVERFLOW: a folder of more entries than the server lists
    [InlineData(95, Nfs3Status.NotSupp)]
    [InlineData(71, Nfs3Status.Io)] // EPROTO, and every errno the protocol has no word for
    [InlineData(4095, Nfs3Status.Io)]
    public void Maps_an_errno_to_the_status_of_its_meaning(int errno, Nfs3Status status) =>
        Assert.Equal(status, ErrnoStatus.Of((Errno)errno));
}
