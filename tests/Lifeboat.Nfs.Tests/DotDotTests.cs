using Lifeboat.Nfs.Tests.Support;

namespace Lifeboat.Nfs.Tests;

/// <summary>
/// LOOKUP ".." of every folder kind. At a mount root (the export, or a publication folder as libnfs and QEMU mount it)
/// ".." is that folder itself, with the same handle and fileid; below it, ".." is the folder above, never anything
/// outside the publication. READDIRPLUS names the same object for "..".
/// </summary>
public sealed class DotDotTests : IAsyncLifetime
{
    private NfsTestServer _server = null!;
    private NfsTestClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await NfsTestServer.StartAsync();
        _client = await _server.ConnectAsync();
    }

    public async Task DisposeAsync()
    {
        await _client.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Theory]
    [InlineData("/lifeboat")]
    [InlineData("/lifeboat/vm1")]
    public async Task Dotdot_of_a_mount_root_is_that_root_with_its_own_handle_and_fileid(string path)
    {
        var root = await _client.MountOkAsync(path);
        await AssertDotDotIsAsync(root, root);
    }

    [Fact]
    public async Task Dotdot_of_a_publication_reached_from_the_export_root_stays_in_the_publication()
    {
        var export = await _client.MountOkAsync("/lifeboat");
        var vm = await _client.LookupOkAsync(export, "vm1");
        await AssertDotDotIsAsync(vm, vm);
        Assert.Equal(vm, await _client.MountOkAsync("/lifeboat/vm1"));
    }

    [Fact]
    public async Task Dotdot_of_client_folders_climbs_one_level_and_stops_at_the_publication_folder()
    {
        var vm = await _client.MountOkAsync("/lifeboat/vm1");
        var outer = (await _client.MkDirAsync(vm, "snapshots")).Handle!;
        var inner = (await _client.MkDirAsync(outer, "daily")).Handle!;
        await AssertDotDotIsAsync(inner, outer);
        await AssertDotDotIsAsync(outer, vm);

        var handle = inner;
        for (var i = 0; i < 6; i++)
        {
            handle = await _client.LookupOkAsync(handle, "..");
        }

        Assert.Equal(vm, handle);
    }

    [Fact]
    public async Task Dotdot_of_a_mounted_client_folder_never_leaves_its_publication()
    {
        var vm = await _client.MountOkAsync("/lifeboat/vm1");
        var outer = (await _client.MkDirAsync(vm, "logs")).Handle!;
        var inner = (await _client.MkDirAsync(outer, "old")).Handle!;
        var mounted = await _client.MountOkAsync("/lifeboat/vm1/logs/old");
        Assert.Equal(inner, mounted);

        var seen = new HashSet<string>();
        var handle = mounted;
        for (var i = 0; i < 6; i++)
        {
            handle = await _client.LookupOkAsync(handle, "..");
            seen.Add(Convert.ToHexString(handle));
        }

        Assert.Equal(vm, handle);
        Assert.Equal(new[] { outer, vm }.Select(Convert.ToHexString).ToHashSet(), seen);
    }

    /// <summary>LOOKUP ".." of <paramref name="dir"/> is <paramref name="expected"/>: same handle, fileid and fsid, and READDIRPLUS agrees.</summary>
    private async Task AssertDotDotIsAsync(byte[] dir, byte[] expected)
    {
        var lookup = await _client.LookupAsync(dir, "..");
        Assert.Equal(Nfs3.Nfs3Status.Ok, lookup.Status);
        Assert.Equal(expected, lookup.Handle);
        var (status, attributes) = await _client.GetAttrAsync(expected);
        Assert.Equal(Nfs3.Nfs3Status.Ok, status);
        Assert.Equal(attributes.Fileid, lookup.Object!.Value.Fileid);
        Assert.Equal(attributes.Fsid, lookup.Object!.Value.Fsid);

        var entries = await _client.ListAllAsync(dir, plus: true);
        var dotdot = Assert.Single(entries, e => e.Name == "..");
        Assert.Equal(attributes.Fileid, dotdot.FileId);
        Assert.Equal(expected, dotdot.Handle);
    }
}
