using Lifeboat.Nfs.Datastore;
using Lifeboat.Nfs.Datastore.Local;
using Lifeboat.Nfs.Nfs3;
using Lifeboat.Nfs.Tests.Support;

namespace Lifeboat.Nfs.Tests;

/// <summary>The errno the kernel gives LocalTree for a client's mistake, and the status a client sees for it.</summary>
public sealed class LocalTreeErrnoTests : IDisposable
{
    private readonly TestFolder _folder = new();
    private readonly LocalTree _tree;

    public LocalTreeErrnoTests()
    {
        _tree = LocalTree.Open(_folder.Combine("client-files"), TimeSpan.FromSeconds(1), TimeProvider.System);
    }

    [Fact]
    public void An_existing_name_is_EEXIST_for_an_exclusive_create_and_for_mkdir()
    {
        Assert.Equal(Errno.None, _tree.CreateFile(string.Empty, "lock", exclusive: true, FileModes.ReadWrite, out _, out _));
        Assert.Equal(Errno.None, _tree.CreateFile(string.Empty, "lock", exclusive: false, FileModes.ReadWrite, out _, out _));
        Assert.Equal(Errno.Exist, _tree.CreateFile(string.Empty, "lock", exclusive: true, FileModes.ReadWrite, out _, out _));
        Assert.Equal(Errno.Exist, _tree.MakeDirectory(string.Empty, "lock", FileModes.Directory, out _, out _));
        Assert.Equal(Nfs3Status.Exist, ErrnoStatus.Of(Errno.Exist));
    }

    [Fact]
    public void Removing_a_folder_with_entries_is_ENOTEMPTY_and_the_wrong_kind_is_ENOTDIR_or_EISDIR()
    {
        Assert.Equal(Errno.None, _tree.MakeDirectory(string.Empty, "snapshots", FileModes.Directory, out _, out _));
        Assert.Equal(Errno.None, _tree.CreateFile("snapshots", "one", exclusive: true, FileModes.ReadWrite, out _, out _));

        var errno = _tree.Remove(string.Empty, "snapshots", isDirectory: true);
        Assert.Equal(Errno.NotEmpty, errno);
        Assert.Equal(Nfs3Status.NotEmpty, ErrnoStatus.Of(errno));
        Assert.Equal(Errno.IsDir, _tree.Remove(string.Empty, "snapshots", isDirectory: false));
        Assert.Equal(Errno.NotDir, _tree.Remove("snapshots", "one", isDirectory: true));
    }

    [Fact]
    public void A_name_longer_than_the_file_system_takes_is_ENAMETOOLONG()
    {
        var errno = _tree.CreateFile(string.Empty, new string('n', 256), exclusive: true, FileModes.ReadWrite, out _, out _);
        Assert.Equal(Errno.NameTooLong, errno);
        Assert.Equal(Nfs3Status.NameTooLong, ErrnoStatus.Of(errno));
    }

    [Fact]
    public void A_removed_object_is_ESTALE_and_a_walk_through_a_symbolic_link_is_not_a_folder()
    {
        Assert.Equal(Errno.None, _tree.CreateFile(string.Empty, "swap", exclusive: true, FileModes.ReadWrite, out _, out var stat));
        Assert.Equal(Errno.None, _tree.Resolve(stat.Inode, stat.Generation, out var path, out _));
        Assert.Equal("swap", path);
        Assert.Equal(Errno.None, _tree.Remove(string.Empty, "swap", isDirectory: false));
        var errno = _tree.Resolve(stat.Inode, stat.Generation, out _, out _);
        Assert.Equal(Errno.Stale, errno);
        Assert.Equal(Nfs3Status.Stale, ErrnoStatus.Of(errno));

        Assert.Equal(Errno.None, _tree.MakeDirectory(string.Empty, "real", FileModes.Directory, out _, out _));
        Assert.Equal(Errno.None, _tree.MakeSymlink(string.Empty, "link", "real", out _, out _));
        Assert.Equal(Nfs3Status.NotDir, ErrnoStatus.Of(_tree.Lookup("link", "anything", out _, out _)));
        Assert.Equal(Errno.Inval, _tree.Files.Read("link", stat.Inode, 0, new byte[16], out _, out _));
    }

    public void Dispose()
    {
        _tree.Dispose();
        _folder.Dispose();
    }
}
