using System.Security.Cryptography;

namespace Lifeboat.EndToEnd.Tests;

/// <summary>`--allow` decides who may mount: anyone else is refused with MNT3ERR_ACCES and named in the log.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class AllowListTests
{
    [Fact]
    public async Task A_client_outside_the_allowed_networks_cannot_mount_and_is_named_in_the_log()
    {
        using var folder = new TestFolder();
        var disk = folder.Combine("disk.raw");
        await File.WriteAllBytesAsync(disk, RandomNumberGenerator.GetBytes(1024 * 1024));
        await LifeboatCli.BackUpAsync(folder.Combine("repo"), "guest", disk, vmConfig: null);
        using var server = await MountServer.StartAsync(new MountServerArguments(folder.Combine("repo"), folder.Combine("cache"))
        {
            NfsPort = 0,
            PortmapPort = 0,
            Allow = ["10.99.0.0/16"],
            Publish = ["guest"],
        });

        var url = $"nfs://127.0.0.1/lifeboat/guest?nfsport={server.NfsPort}&mountport={server.NfsPort}";
        var listing = await Tools.RunAsync(Tools.StartInfo("nfs-ls", [url]), TimeSpan.FromSeconds(60));
        Assert.False(listing.Succeeded, $"a client outside --allow listed the publication: {listing}");
        Assert.Contains("MNT3ERR_ACCES", listing.Stdout + listing.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("disk0.raw", listing.Stdout, StringComparison.Ordinal);

        // Nothing else names the client: it never mounted, and the URLs the server printed are not log lines.
        var logged = await server.WaitForOutputAsync(
            "naming the refused client 127.0.0.1",
            line => line.Contains("127.0.0.1", StringComparison.Ordinal) && !line.Contains("nfs://", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10));
        Assert.DoesNotContain("mounted", logged, StringComparison.Ordinal);
    }
}
