using System.Security.Cryptography;
using System.Text.Json;
using Lifeboat.Nfs.Server;
using Lifeboat.Nfs.Tests.Support;

namespace Lifeboat.Nfs.Tests;

/// <summary>
/// QEMU's nfs:// block driver (libnfs inside QEMU) against the server: it asks portmap on port 111 for MOUNT and NFS,
/// mounts the publication folder and reads and writes the disk file.
/// </summary>
[Collection(PortmapCollection.Name)]
public sealed class QemuNfsTests
{
    [QemuNfsFact]
    public async Task Qemu_img_info_and_convert_read_the_disk_bit_exact()
    {
        using var local = new TestFolder();
        await using var server = await StartAsync();
        var url = server.Server.DiskUrls(server.Datastore.Publications.Single()).Single();
        Assert.DoesNotContain("nfsport", url, StringComparison.Ordinal);

        var info = await Tools.RunOkAsync("qemu-img", "info", "--output=json", url);
        using (var json = JsonDocument.Parse(info.StdoutBytes))
        {
            Assert.Equal(NfsTestServer.DiskSize, json.RootElement.GetProperty("virtual-size").GetInt64());
            Assert.Equal("raw", json.RootElement.GetProperty("format").GetString());
        }

        var copy = local.Combine("copy.raw");
        await Tools.RunOkAsync("qemu-img", "convert", "-f", "raw", "-O", "raw", url, copy);
        Assert.Equal(SHA256.HashData(server.Disk.Snapshot()), SHA256.HashData(await File.ReadAllBytesAsync(copy)));
    }

    [QemuNfsFact]
    public async Task Qemu_io_writes_the_disk_and_reads_its_writes_back()
    {
        await using var server = await StartAsync();
        var url = server.Server.DiskUrls(server.Datastore.Publications.Single()).Single();
        var before = server.Disk.Snapshot();

        await Tools.RunOkAsync("qemu-io", "-f", "raw", "-c", "write -P 0xab 1M 64k", "-c", "write -P 0x5c 3000 5000", url);
        var read = await Tools.RunOkAsync("qemu-io", "-f", "raw", "-r", "-c", "read -P 0xab 1M 64k", "-c", "read -P 0x5c 3000 5000", url);
        Assert.DoesNotContain("Pattern verification failed", read.Stdout, StringComparison.Ordinal);

        var after = server.Disk.Snapshot();
        Assert.All(after.AsSpan(1024 * 1024, 64 * 1024).ToArray(), b => Assert.Equal(0xab, b));
        Assert.All(after.AsSpan(3000, 5000).ToArray(), b => Assert.Equal(0x5c, b));
        Assert.Equal(before.AsSpan(8000, 1024 * 1024 - 8000).ToArray(), after.AsSpan(8000, 1024 * 1024 - 8000).ToArray());
        Assert.Equal(before.AsSpan(1024 * 1024 + 65536).ToArray(), after.AsSpan(1024 * 1024 + 65536).ToArray());
    }

    private static async Task<NfsTestServer> StartAsync()
    {
        var server = await NfsTestServer.StartAsync(portmapPort: QemuNfsFactAttribute.PortmapPort);
        Assert.True(server.Server.PortmapMode != PortmapMode.Off, "portmap on port 111 could not be served nor registered with");
        return server;
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PortmapCollection : ICollectionFixture<Port111Lock>
{
    public const string Name = "port 111";
}
