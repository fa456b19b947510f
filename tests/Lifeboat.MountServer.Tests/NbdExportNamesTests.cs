using Lifeboat.MountServer.Nbd;

namespace Lifeboat.MountServer.Tests;

public sealed class NbdExportNamesTests
{
    [Theory]
    [InlineData("web01/disk0", "web01", 0)]
    [InlineData("web01-2/disk12", "web01-2", 12)]
    [InlineData("a/b/disk3", "a/b", 3)]
    public void Parses_publication_and_disk(string name, string publication, int index)
    {
        Assert.True(NbdExportNames.TryParse(name, out var p, out var i));
        Assert.Equal((publication, index), (p, i));
        Assert.Equal(name, NbdExportNames.Disk(p, i));
    }

    [Theory]
    [InlineData("")]
    [InlineData("web01")]
    [InlineData("/disk0")]
    [InlineData("web01/disk")]
    [InlineData("web01/disk01")]
    [InlineData("web01/disk-1")]
    [InlineData("web01/disk99999")]
    [InlineData("web01/data0")]
    public void Refuses_anything_else(string name) => Assert.False(NbdExportNames.TryParse(name, out _, out _));
}
