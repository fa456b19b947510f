using System.Security.Cryptography;
using Lifeboat.Nfs.Tests.Support;

namespace Lifeboat.Nfs.Tests;

/// <summary>Debian's libnfs utilities against the server, with ports in the URL so no portmap is needed.</summary>
public sealed class LibnfsClientTests
{
    [Fact]
    public async Task Nfs_ls_lists_the_export_and_a_publication()
    {
        await using var server = await NfsTestServer.StartAsync();

        var root = await Tools.RunOkAsync("nfs-ls", server.Url(""));
        Assert.Contains("vm1", root.Stdout, StringComparison.Ordinal);

        var publication = await Tools.RunOkAsync("nfs-ls", server.Url("vm1"));
        var lines = publication.Stdout.Split('\n');
        Assert.Contains(lines, l => l.EndsWith(" disk0.raw", StringComparison.Ordinal) && l.Contains(NfsTestServer.DiskSize.ToString(), StringComparison.Ordinal));
        Assert.Contains(lines, l => l.EndsWith(" disk0-flat.vmdk", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.EndsWith(" lifeboat.json", StringComparison.Ordinal) && l.StartsWith("-r--r--r--", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Nfs_cat_copies_a_disk_file_out_bit_exact()
    {
        await using var server = await NfsTestServer.StartAsync();

        var raw = await Tools.RunOkAsync("nfs-cat", server.Url("vm1/disk0.raw"));
        Assert.Equal(SHA256.HashData(server.Disk.Snapshot()), SHA256.HashData(raw.StdoutBytes));

        var flat = await Tools.RunOkAsync("nfs-cat", server.Url("vm1/disk0-flat.vmdk"));
        Assert.Equal(SHA256.HashData(server.Disk.Snapshot()), SHA256.HashData(flat.StdoutBytes));

        var config = await Tools.RunOkAsync("nfs-cat", server.Url("vm1/lifeboat.json"));
        Assert.Equal(NfsTestServer.ConfigContent, config.StdoutBytes);
    }

    [Fact]
    public async Task Nfs_cp_copies_a_new_file_in_and_back_out_unchanged_then_it_is_removed()
    {
        using var local = new TestFolder();
        await using var server = await NfsTestServer.StartAsync();
        var source = local.Combine("source.bin");
        var content = new byte[3 * 1024 * 1024 + 123];
        new Random(11).NextBytes(content);
        await File.WriteAllBytesAsync(source, content);

        await Tools.RunOkAsync("nfs-cp", source, server.Url("vm1/vm1.vswp"));
        Assert.Equal(content, await File.ReadAllBytesAsync(Path.Combine(server.CacheFolder, "client-files", "vm1.vswp")));

        var back = local.Combine("back.bin");
        await Tools.RunOkAsync("nfs-cp", server.Url("vm1/vm1.vswp"), back);
        Assert.Equal(content, await File.ReadAllBytesAsync(back));

        await using var client = await server.ConnectAsync();
        var dir = await client.MountOkAsync("/lifeboat/vm1");
        var (status, _) = await client.RemoveAsync(dir, "vm1.vswp");
        Assert.Equal(Nfs3.Nfs3Status.Ok, status);
        var listing = await Tools.RunOkAsync("nfs-ls", server.Url("vm1"));
        Assert.DoesNotContain("vm1.vswp", listing.Stdout, StringComparison.Ordinal);
    }
}
