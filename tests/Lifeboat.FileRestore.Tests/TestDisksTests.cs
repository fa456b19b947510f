using Lifeboat.FileRestore.Tests.Support;
using Lifeboat.Hypervisors.Qemu;

namespace Lifeboat.FileRestore.Tests;

public class TestDisksTests
{
    [Fact]
    public void The_test_disks_are_built_once_and_cached()
    {
        var disks = GuestFileSystemsDisks.Get(RepositoryRoot.Find(), QemuAccelerator.Detect() == QemuAcceleratorKind.Kvm);
        Assert.True(new FileInfo(disks.Disk0).Length == 1200L << 20);
        Assert.True(File.Exists(disks.SecondDisk1));
        Assert.NotEqual(GuestFileSystemsDisks.Files["sda1:/docs/report.txt"], GuestFileSystemsDisks.SecondFiles["sda1:/docs/report.txt"]);
    }
}
