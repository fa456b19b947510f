using System.Security.Cryptography;

namespace Lifeboat.EndToEnd.Tests;

/// <summary>
/// A mount server on a random loopback port without portmap, publishing a small backed-up disk as VM
/// "guest", shared by the tests of one class. libnfs's tools reach it through nfsport/mountport in the URL.
/// </summary>
public sealed class PublishedServer : IAsyncLifetime
{
    private const int DiskBytes = 4 * 1024 * 1024;

    private readonly TestFolder _folder = new();
    private MountServer? _server;

    internal MountServer Server => _server ?? throw new InvalidOperationException("The mount server has not started.");

    /// <summary>The publication's folder as libnfs's tools take it.</summary>
    public string FolderUrl => $"nfs://127.0.0.1/lifeboat/guest?nfsport={Server.NfsPort}&mountport={Server.NfsPort}";

    public int Port => Server.NfsPort;

    public async Task InitializeAsync()
    {
        var disk = _folder.Combine("disk.raw");
        await File.WriteAllBytesAsync(disk, RandomNumberGenerator.GetBytes(DiskBytes));
        await LifeboatCli.BackUpAsync(_folder.Combine("repo"), "guest", disk, vmConfig: null);
        _server = await MountServer.StartAsync(
            new MountServerArguments(_folder.Combine("repo"), _folder.Combine("cache")) { NfsPort = 0, PortmapPort = 0, Listen = "127.0.0.1", Publish = ["guest"] });
    }

    /// <summary>Fails unless nfs-ls, a fresh client, mounts the publication and lists its disk.</summary>
    public async Task AssertStillServesAsync(string after)
    {
        Assert.False(Server.HasExited, $"the mount server exited after {after}. Its output:{Environment.NewLine}{Server.Output}");
        var listing = await Tools.RunAsync(Tools.StartInfo("nfs-ls", [FolderUrl]), TimeSpan.FromSeconds(60));
        Assert.True(listing.Succeeded && listing.Stdout.Contains("disk0.raw", StringComparison.Ordinal),
            $"nfs-ls does not list the publication after {after}: {listing}");
    }

    public Task DisposeAsync()
    {
        _server?.Dispose();
        _folder.Dispose();
        return Task.CompletedTask;
    }
}
