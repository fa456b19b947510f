using Lifeboat.Nfs.Datastore;
using Lifeboat.Nfs.Tests.Support;

namespace Lifeboat.Nfs.Tests;

public sealed class DatastoreTests
{
    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("nul\0")]
    public void Publish_refuses_names_that_are_not_one_component(string name)
    {
        using var folder = new TestFolder();
        using var datastore = new DatastoreFileSystem();
        Assert.Throws<ArgumentException>(() => datastore.Publish(name, [], [], folder.Path));
        Assert.Throws<ArgumentException>(() => datastore.Publish("vm1", [new DatastoreFile(name, Array.Empty<byte>())], [], folder.Path));
    }

    [Fact]
    public void Publish_refuses_duplicates_and_names_that_clash_with_disk_files()
    {
        using var folder = new TestFolder();
        using var datastore = new DatastoreFileSystem();
        var disk = MemoryDisk.Random(4096, 1);
        Assert.Throws<ArgumentException>(() => datastore.Publish("vm1", [new DatastoreFile("disk0.raw", Array.Empty<byte>())], [disk], folder.Combine("a")));
        Assert.Throws<ArgumentException>(() => datastore.Publish("vm1", [new DatastoreFile("x", Array.Empty<byte>()), new DatastoreFile("x", Array.Empty<byte>())], [], folder.Combine("b")));

        var publication = datastore.Publish("vm1", [new DatastoreFile("vm1.vmx", Array.Empty<byte>())], [disk, disk], folder.Combine("c"));
        Assert.Equal(["disk0.raw", "disk1.raw"], publication.DiskFileNames);
        Assert.True(Directory.Exists(Path.Combine(folder.Combine("c"), DatastorePublication.ClientFilesFolderName)));
        Assert.Throws<InvalidOperationException>(() => datastore.Publish("vm1", [], [], folder.Combine("d")));
        Assert.Throws<InvalidOperationException>(() => datastore.Publish("vm2", [], [], folder.Combine("c")));

        Assert.True(datastore.Unpublish("vm1"));
        Assert.False(datastore.Unpublish("vm1"));
        Assert.Empty(datastore.Publications);
    }

    [Fact]
    public void The_same_publication_gets_the_same_handles_in_another_process_and_other_ones_elsewhere()
    {
        using var folder = new TestFolder();
        using var first = new DatastoreFileSystem(new DatastoreOptions { DatastoreId = 9 });
        using var second = new DatastoreFileSystem(new DatastoreOptions { DatastoreId = 9 });
        using var other = new DatastoreFileSystem(new DatastoreOptions { DatastoreId = 10 });
        var a = first.Publish("vm1", [], [], folder.Combine("cache"));
        var b = second.Publish("vm1", [], [], folder.Combine("cache"));
        Assert.Equal(a.Id, b.Id);
        Assert.Equal(a.Node.Handle, b.Node.Handle);
        Assert.NotEqual(first.Root.Handle.ToArray(), other.Root.Handle.ToArray());
        Assert.NotEqual(a.Id, second.Publish("vm2", [], [], folder.Combine("cache2")).Id);
    }

    [Theory]
    [InlineData("lifeboat")]
    [InlineData("/a/../b")]
    [InlineData("/a//b")]
    public void The_export_path_must_be_absolute_and_plain(string path) =>
        Assert.Throws<ArgumentException>(() => new DatastoreFileSystem(new DatastoreOptions { ExportPath = path }));
}
