using Lifeboat.FileRestore.Guestfs;

namespace Lifeboat.FileRestore.Tests;

public class NbdDriveAddressTests
{
    [Theory]
    [InlineData("nbd+unix:///vm1-disk0?socket=/run/lifeboat/nbd.sock", "unix:/run/lifeboat/nbd.sock", "vm1-disk0")]
    [InlineData("nbd+unix:///a%20b?socket=/tmp/x%20y.sock", "unix:/tmp/x y.sock", "a b")]
    [InlineData("nbd://127.0.0.1:10809/vm1/disk0", "tcp:127.0.0.1:10809", "vm1/disk0")]
    [InlineData("nbd://backup.example", "tcp:backup.example:10809", "")]
    public void Urls_become_libguestfs_servers_and_exports(string url, string server, string export) =>
        Assert.Equal(new NbdDriveAddress(server, export), NbdDriveAddress.Parse(url));

    [Theory]
    [InlineData("/var/lib/disk.raw")]
    [InlineData("nbd+unix:///x")]
    [InlineData("nbd://host:99999/x")]
    [InlineData("nfs://host/x")]
    public void Anything_else_is_refused_naming_the_drives(string url) =>
        Assert.Equal("drives", Assert.Throws<FileRestoreException>(() => NbdDriveAddress.Parse(url)).Field);
}
