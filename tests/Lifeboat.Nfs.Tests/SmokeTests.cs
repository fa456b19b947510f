using Lifeboat.Nfs.Tests.Support;

namespace Lifeboat.Nfs.Tests;

public sealed class SmokeTests
{
    [Fact]
    public async Task Mount_and_read_first_block()
    {
        await using var server = await NfsTestServer.StartAsync();
        await using var client = await server.ConnectAsync();
        var dir = await client.MountOkAsync("/lifeboat/vm1");
        var disk = await client.LookupOkAsync(dir, "disk0.raw");
        var read = await client.ReadAsync(disk, 0, 4096);
        Assert.Equal(server.Disk.Snapshot().AsSpan(0, 4096).ToArray(), read.Data);
    }
}
